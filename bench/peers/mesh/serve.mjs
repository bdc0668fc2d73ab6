// Hive Gateway serving the composed Mesh supergraph (mesh.config.mjs) on a free loopback
// port, in this one process, so that bench/peers reads its CPU time from /proc/<pid>.
// Defaults otherwise: no response cache, as a Mesh user gets without configuring one.
//
// usage: node serve.mjs --supergraph=FILE
// Prints one line once listening: {"url": "http://127.0.0.1:PORT/graphql"}.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const SUPERGRAPH = "--supergraph=";
const supergraphFile = process.argv
  .slice(2)
  .find((arg) => arg.startsWith(SUPERGRAPH))
  ?.slice(SUPERGRAPH.length);
if (!supergraphFile) {
  console.error("usage: node serve.mjs --supergraph=FILE");
  process.exit(2);
}

const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphFile, "utf8"),
  logging: "error",
});
const server = createServer(gateway);
server.keepAliveTimeout = 60_000;
// Hive Gateway's own SIGTERM handler disposes of the runtime but leaves the server
// listening; the bench wants the process gone.
process.once("SIGTERM", () => process.exit(0));
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}${gateway.graphqlEndpoint}` }));
});
