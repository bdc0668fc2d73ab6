// A real Hive Gateway over a supergraph composed beforehand (compose.mjs), serving it
// on a free loopback port and forwarding each client's `Authorization` header to
// every subgraph, as router.mjs does for the Apollo gateway: the same graph behind
// a second router, whose error handling differs from Apollo's.
//
// usage: node hive.mjs --supergraph=FILE NAME=URL [NAME=URL ...]
// NAME=URL says where each named subgraph listens (the composed file names
// placeholders). Prints one line once listening: {"url": "http://127.0.0.1:PORT/graphql"}.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const args = process.argv.slice(2);
const SUPERGRAPH = "--supergraph=";
const supergraphFile = args.find((arg) => arg.startsWith(SUPERGRAPH))?.slice(SUPERGRAPH.length);
if (!supergraphFile) {
  console.error("usage: node hive.mjs --supergraph=FILE NAME=URL [NAME=URL ...]");
  process.exit(2);
}
const transportEntries = Object.fromEntries(
  args
    .filter((arg) => !arg.startsWith("--"))
    .map((arg) => {
      const at = arg.indexOf("=");
      return [arg.slice(0, at), { location: arg.slice(at + 1) }];
    }),
);

const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphFile, "utf8"),
  transportEntries,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  },
  logging: "error",
});
const server = createServer(gateway);
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}${gateway.graphqlEndpoint}` }));
});
