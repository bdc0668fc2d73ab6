// The GraphQL Mesh peer's composition: Square's OpenAPI spec (trimmed, see NOTICE.md)
// as one subgraph, its server URL replaced by our Square sandbox, which wants the same
// bearer token and Square-Version header as Square. bench/peers/mesh.py runs
// `mesh-compose -o FILE` with these set, before each benchmark; composition reads
// only the local spec file.
import { defineConfig } from "@graphql-mesh/compose-cli";
import { loadOpenAPISubgraph } from "@omnigraph/openapi";

const endpoint = process.env.SQUARE_URL;
const token = process.env.SQUARE_TOKEN;
const version = process.env.SQUARE_VERSION;
if (!endpoint || !token || !version) {
  throw new Error("SQUARE_URL, SQUARE_TOKEN and SQUARE_VERSION must be set");
}

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph("Square", {
        source: "./square-openapi.json",
        endpoint,
        operationHeaders: {
          Authorization: `Bearer ${token}`,
          "Square-Version": version,
        },
        // SearchCustomers is a POST that only reads: a query, as a client would expect.
        selectQueryOrMutationField: [{ type: "query", fieldName: "SearchCustomers" }],
      }),
    },
  ],
});
