// A real Apollo gateway over our subgraph (and others), serving the supergraph on a
// free loopback port, forwarding each client's `Authorization` header to every subgraph.
//
// usage: node router.mjs [--supergraph=FILE] NAME=URL [NAME=URL ...]
// Without --supergraph it composes at start-up with IntrospectAndCompose (each
// subgraph's `_service { sdl }`). With it, it serves FILE, a supergraph composed
// beforehand (compose.mjs, as Rover does for the Apollo router), and asks the
// subgraphs nothing until a client does: a subgraph that requires credentials then
// only ever sees the client's. NAME=URL says where each named subgraph listens.
// Prints one line once listening: {"url": "http://127.0.0.1:PORT/"}. Exits non-zero
// (with the composition errors on stderr) when the subgraphs do not compose.
import { readFileSync } from "node:fs";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const args = process.argv.slice(2);
const SUPERGRAPH = "--supergraph=";
const supergraphFile = args.find((arg) => arg.startsWith(SUPERGRAPH))?.slice(SUPERGRAPH.length);
const subgraphs = args
  .filter((arg) => !arg.startsWith("--"))
  .map((arg) => {
    const at = arg.indexOf("=");
    return { name: arg.slice(0, at), url: arg.slice(at + 1) };
  });
const urls = Object.fromEntries(subgraphs.map(({ name, url }) => [name, url]));

// The client's credential goes on to the subgraph, as Apollo Router's
// `headers: all: request: - propagate: named: authorization` does. Only a client
// request has one: schema loading and health checks carry no context.
class ForwardingAuthorization extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context?.authorization) {
      request.http.headers.set("authorization", context.authorization);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: supergraphFile
    ? readFileSync(supergraphFile, "utf8")
    : new IntrospectAndCompose({ subgraphs }),
  buildService: ({ name, url }) => new ForwardingAuthorization({ url: urls[name] ?? url }),
});
const server = new ApolloServer({ gateway });
try {
  const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  console.log(JSON.stringify({ url }));
} catch (error) {
  console.error(error);
  process.exit(1);
}
