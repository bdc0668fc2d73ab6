// Drives the Elastic Path sandbox with Elastic Path's official JS SDK (@elasticpath/js-sdk),
// pointed at it through the SDK's documented custom `host` and `protocol` settings.
// Writes one JSON object with what each step answered to the file named by its argument
// (stdout carries the SDK's own console output); the pytest test asserts on it.
// Usage: EP_HOST=127.0.0.1:8123 EP_CLIENT_ID=... EP_CLIENT_SECRET=... node conformance.js out.json
'use strict'

const fs = require('fs')
const { gateway, MemoryStorageFactory } = require('@elasticpath/js-sdk')

const host = process.env.EP_HOST
const clientId = process.env.EP_CLIENT_ID
const common = { host, protocol: 'http', fetchMaxAttempts: 2, retryDelay: 10, retryJitter: 1 }

// The SDK rejects with the parsed error body; keep it as data so the test can read it.
async function outcome(promise) {
  try {
    return { ok: await promise }
  } catch (error) {
    return { error: error instanceof Error ? error.message : error }
  }
}

async function main() {
  const admin = gateway({
    ...common,
    client_id: clientId,
    client_secret: process.env.EP_CLIENT_SECRET,
    storage: new MemoryStorageFactory()
  })
  const shopper = gateway({
    ...common,
    name: 'shopper',
    client_id: clientId,
    storage: new MemoryStorageFactory()
  })
  const email = 'grace.sdk@example.com'
  const password = 'sdk-password-123'
  const out = {}

  out.auth = await admin.Authenticate()
  const created = await admin.Customers.Create({
    name: 'Grace Hopper',
    email,
    password,
    external_ref: 'sdk-1'
  })
  out.created = created
  const id = created.data.id
  out.fetched = await admin.Customers.Get(id)
  out.updated = await admin.Customers.Update(id, { name: 'Amazing Grace' })
  out.filtered = await admin.Customers.Filter({ eq: { email } }).Limit(5).All()
  out.address = await admin.CustomerAddresses.Create({
    customer: id,
    body: {
      name: 'Office',
      first_name: 'Grace',
      last_name: 'Hopper',
      line_1: '1 Navy Yard',
      city: 'Arlington',
      region: 'VA',
      postcode: '22202',
      country: 'US'
    }
  })
  out.addresses = await admin.CustomerAddresses.All({ customer: id })

  const token = await shopper.Customers.TokenViaPassword(email, password)
  out.token = token
  out.ownRecord = await outcome(shopper.Customers.Get(id, token.data.token))
  out.wrongPassword = await outcome(shopper.Customers.TokenViaPassword(email, 'not-it'))

  out.orders = await admin.Orders.Limit(3).All()
  out.order = await admin.Orders.Get(out.orders.data[0].id)

  out.deleted = await admin.Customers.Delete(id)
  out.afterDelete = await outcome(admin.Customers.Get(id))
  fs.writeFileSync(process.argv[2], JSON.stringify(out))
}

main().catch(error => {
  process.stderr.write(`conformance failed: ${JSON.stringify(error instanceof Error ? error.stack : error)}\n`)
  process.exit(1)
})
