"""The GraphQL surface: thin types, inputs and resolvers over `gateway`."""

from schema import enums as enums  # registers enum names before any type is declared
