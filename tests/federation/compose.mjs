// Composes subgraph SDL files into a supergraph, as Rover and the Apollo router do.
//
// usage: node compose.mjs NAME=SDL_FILE [NAME=SDL_FILE ...]
// Success: prints the supergraph SDL and exits 0. Any composition error: prints
// every error (code and message) on stderr and exits 1.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf("=");
  const name = arg.slice(0, at);
  return {
    name,
    url: `http://${name}.invalid/graphql`,
    typeDefs: parse(readFileSync(arg.slice(at + 1), "utf8")),
  };
});

const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) {
    console.error(`${error.extensions?.code ?? "ERROR"}: ${error.message}`);
  }
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
