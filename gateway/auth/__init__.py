"""Who is asking, and what they may do: API keys, JWTs, shopper tokens, scopes, limits, audit.

Authentication happens once per request, before any resolver runs, and yields a
`Principal`; every later decision (scopes per operation, the providers a key may
reach, a shopper's own records, per-client limits, the audit record) reads it.
"""
