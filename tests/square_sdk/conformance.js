// Drives the Square sandbox with Square's official Node SDK (npm `square`), pointed at it
// through the SDK's documented `baseUrl` option: locations, customers (single and bulk),
// cards and orders. Writes one JSON object with what each step answered to the file named
// by its argument; the pytest test asserts on it. Square's int64 fields (`version`) are
// bigints in the SDK and are written as strings.
// Usage: SQUARE_BASE_URL=http://127.0.0.1:8100/sandbox/square SQUARE_TOKEN=... node conformance.js out.json
'use strict'

const fs = require('fs')
const { SquareClient, SquareError } = require('square')

const client = new SquareClient({
  token: process.env.SQUARE_TOKEN,
  baseUrl: process.env.SQUARE_BASE_URL,
  maxRetries: 0
})

// The SDK rejects with a SquareError; keep its status and first error as data.
async function outcome(promise) {
  try {
    return { ok: await promise }
  } catch (error) {
    if (!(error instanceof SquareError)) throw error
    const [first] = error.errors
    return { error: { status: error.statusCode, category: first.category, code: first.code, field: first.field } }
  }
}

async function all(pager) {
  const items = []
  for await (const item of await pager) items.push(item)
  return items
}

async function main() {
  const out = {}

  out.locations = await client.locations.list()
  out.mainLocation = await client.locations.get({ locationId: 'main' })
  const locationId = out.locations.locations[0].id

  // The same request twice under one key: the second is a replay of the first.
  const grace = {
    idempotencyKey: 'node-sdk-1',
    givenName: 'Grace',
    familyName: 'Hopper',
    emailAddress: 'grace.node@example.com',
    phoneNumber: '+1-202-555-0199',
    birthday: '12-09',
    address: {
      addressLine1: '1 Navy Yard',
      sublocality2: 'Yard 2',
      administrativeDistrictLevel3: 'District 3',
      locality: 'Arlington',
      country: 'US'
    }
  }
  const created = await client.customers.create(grace)
  out.created = created
  const customerId = created.customer.id
  out.again = await client.customers.create(grace)
  out.reusedKey = await outcome(
    client.customers.create({ idempotencyKey: 'node-sdk-1', givenName: 'Someone else' })
  )
  out.fetched = await client.customers.get({ customerId })
  out.updated = await client.customers.update({ customerId, nickname: 'Amazing Grace', version: BigInt(0) })
  out.stale = await outcome(client.customers.update({ customerId, note: 'late', version: BigInt(0) }))
  out.invalid = await outcome(client.customers.update({ customerId, emailAddress: 'not-an-email' }))
  out.searched = await client.customers.search({
    count: true,
    query: {
      filter: { emailAddress: { exact: 'GRACE.NODE@example.com' }, creationSource: { values: ['THIRD_PARTY'] } },
      sort: { field: 'CREATED_AT', order: 'DESC' }
    }
  })
  out.listed = (await all(client.customers.list({ limit: 3, sortField: 'CREATED_AT' }))).map((c) => c.id)
  out.listCount = (await client.customers.list({ limit: 1, count: true })).response.count

  out.bulkCreated = await client.customers.batchCreate({
    customers: {
      'node-bulk-1': { givenName: 'Katherine', familyName: 'Johnson', emailAddress: 'kj@example.com' },
      'node-bulk-2': { givenName: 'Dorothy', emailAddress: 'not-an-email' }
    }
  })
  const katherine = out.bulkCreated.responses['node-bulk-1'].customer.id
  out.bulkRetrieved = await client.customers.bulkRetrieveCustomers({ customerIds: [katherine, 'NOPE'] })
  out.bulkUpdated = await client.customers.bulkUpdateCustomers({
    customers: { [katherine]: { nickname: 'Computer', version: BigInt(0) }, NOPE: { nickname: 'x' } }
  })

  out.card = await client.cards.create({
    idempotencyKey: 'node-card-1',
    sourceId: 'cnon:card-nonce-ok',
    card: { customerId, cardholderName: 'Grace Hopper', referenceId: 'node-card' }
  })
  const cardId = out.card.card.id
  out.cards = (await all(client.cards.list({ customerId, referenceId: 'node-card' }))).map((c) => c.id)
  out.cardFetched = await client.cards.get({ cardId })
  out.disabled = await client.cards.disable({ cardId })
  out.enabledAfter = (await all(client.cards.list({ customerId }))).map((c) => c.id)
  out.allAfter = (await all(client.cards.list({ customerId, includeDisabled: true }))).map((c) => c.id)
  out.cardMissing = await outcome(client.cards.get({ cardId: 'ccof:NOPE' }))

  out.completed = await client.orders.search({
    locationIds: [locationId],
    limit: 5,
    query: {
      filter: { stateFilter: { states: ['COMPLETED'] } },
      sort: { sortField: 'CLOSED_AT', sortOrder: 'DESC' }
    }
  })
  const order = out.completed.orders[0]
  out.order = await client.orders.get({ orderId: order.id })
  out.byCustomer = await client.orders.search({
    locationIds: [locationId],
    returnEntries: true,
    query: { filter: { customerFilter: { customerIds: [order.customerId] } } }
  })
  out.badSort = await outcome(
    client.orders.search({
      locationIds: [locationId],
      query: {
        filter: { dateTimeFilter: { createdAt: { startAt: '2020-01-01T00:00:00Z' } } },
        sort: { sortField: 'CLOSED_AT' }
      }
    })
  )

  out.bulkDeleted = await client.customers.bulkDeleteCustomers({ customerIds: [katherine, 'NOPE'] })
  out.deleted = await client.customers.delete({ customerId, version: BigInt(1) })
  out.afterDelete = await outcome(client.customers.get({ customerId }))

  const json = JSON.stringify(out, (_, value) => (typeof value === 'bigint' ? value.toString() : value))
  fs.writeFileSync(process.argv[2], json)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
