"""customer-gateway: one GraphQL endpoint over a merchant's customers in several providers."""
