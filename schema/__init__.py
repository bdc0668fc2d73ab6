"""The GraphQL surface: thin types, inputs and resolvers over `gateway`."""
