// A second subgraph written for the federation tests: a loyalty service that
// contributes Customer.loyaltyPoints by key, and lists its members so that a query
// can also start here and fetch everything else from the customer gateway.
//
// usage: node loyalty.mjs MEMBERS_JSON
// MEMBERS_JSON holds the member ids (our Customer.id values). Once listening on a
// free loopback port, prints one line: {"url": "http://127.0.0.1:PORT/"}.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

const members = JSON.parse(readFileSync(process.argv[2], "utf8"));
const typeDefs = parse(readFileSync(new URL("./loyalty.graphql", import.meta.url), "utf8"));

// Deterministic, so the test can compute the expected balance from the id alone.
const points = (id) => [...id].reduce((sum, ch) => sum + ch.codePointAt(0), 0) % 10000;

const resolvers = {
  Query: { loyaltyMembers: () => members.map((id) => ({ id })) },
  Customer: {
    __resolveReference: (reference) => ({ id: reference.id }),
    loyaltyPoints: (customer) => points(customer.id),
  },
};

const server = new ApolloServer({
  schema: buildSubgraphSchema({ typeDefs, resolvers }),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});
const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
console.log(JSON.stringify({ url }));
