// A real Apollo gateway composing subgraphs at start-up with IntrospectAndCompose
// (each subgraph's `_service { sdl }`), serving the supergraph on a free loopback port.
//
// usage: node router.mjs NAME=URL [NAME=URL ...]
// Prints one line once listening: {"url": "http://127.0.0.1:PORT/"}. Exits non-zero
// (with the composition errors on stderr) when the subgraphs do not compose.
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const subgraphs = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf("=");
  return { name: arg.slice(0, at), url: arg.slice(at + 1) };
});

const gateway = new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs }) });
const server = new ApolloServer({ gateway });
try {
  const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
  console.log(JSON.stringify({ url }));
} catch (error) {
  console.error(error);
  process.exit(1);
}
