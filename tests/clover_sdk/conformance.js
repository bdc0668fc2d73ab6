// Drives the Clover sandbox with Clover's official Ecommerce Node SDK (clover-ecomm-sdk).
//
// The SDK is aimed at the sandbox with its own setHost(host, port, "http"). It has no
// base-path setting and predates Clover's required x-forwarded-for and Idempotency-Key
// headers, so an http.Agent handed over through the SDK's own setHttpAgent adds the
// sandbox mount to each path and those headers to each request; nothing of the SDK is
// patched. Card tokens come from the tokenizer over plain HTTP, as Clover's hosted
// iframe makes them (the SDK's README says not to tokenize with it). The SDK resolves
// Ecommerce errors ({"error": {...}}) as results, so each call records its status.
// Writes every result as JSON to the file named by argv[2].

"use strict";

const fs = require("fs");
const http = require("http");
const Clover = require("clover-ecomm-sdk");

const HOST = process.env.CLOVER_HOST;
const PORT = Number(process.env.CLOVER_PORT);
const MOUNT = process.env.CLOVER_MOUNT;
const TOKEN = process.env.CLOVER_ACCESS_TOKEN;
const MERCHANT = process.env.CLOVER_MERCHANT_ID;

let idempotencyKey = null;

class SandboxAgent extends http.Agent {
  addRequest(req, options) {
    req.path = MOUNT + req.path;
    req.setHeader("x-forwarded-for", "203.0.113.7");
    if (idempotencyKey) {
      req.setHeader("idempotency-key", idempotencyKey);
    }
    return super.addRequest(req, options);
  }
}

const clover = new Clover(TOKEN, { environment: "sandbox" });
clover.setHost(HOST, PORT, "http");
clover.setHttpAgent(new SandboxAgent());

async function call(request, key = null) {
  idempotencyKey = key;
  try {
    const body = await request();
    return { status: body.lastResponse.statusCode, body };
  } finally {
    idempotencyKey = null;
  }
}

async function plain(method, path, { body, headers = {} } = {}) {
  const response = await fetch(`http://${HOST}:${PORT}${MOUNT}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function tokenize(apiKey, number) {
  const card = { number, exp_month: "12", exp_year: "2031", cvv: "123" };
  return plain("POST", "/v1/tokens", { body: { card }, headers: { apikey: apiKey } });
}

async function main() {
  const out = {};
  out.apiKey = await call(() => clover.apikey.retrieve());
  const apiKey = out.apiKey.body.apiAccessKey;
  out.tokens = {
    visa: await tokenize(apiKey, "4242424242424242"),
    mastercard: await tokenize(apiKey, "5555555555554444"),
    amex: await tokenize(apiKey, "378282246310005"),
    declined: await tokenize(apiKey, "4005571702222222"),
    badNumber: await tokenize(apiKey, "4242424242424241"),
  };
  const tokens = Object.fromEntries(
    Object.entries(out.tokens).map(([name, answer]) => [name, answer.body.id]),
  );

  out.created = await call(() =>
    clover.customers.create({
      email: "grace.sdk@example.com",
      firstName: "Grace",
      lastName: "Hopper",
      source: tokens.visa,
      shipping: { name: "Grace Hopper", address: { line1: "1 Navy Yard", postal_code: "20374" } },
    }),
  );
  const customerId = out.created.body.id;
  const update = (fields) => () => clover.customers.update(customerId, fields);
  out.renamed = await call(update({ name: "Amazing Grace" }));
  out.secondCard = await call(update({ source: tokens.mastercard }));
  out.reusedToken = await call(update({ source: tokens.visa }));
  out.v3 = await plain(
    "GET",
    `/v3/merchants/${MERCHANT}/customers/${customerId}?expand=cards,emailAddresses`,
    { headers: { authorization: `Bearer ${TOKEN}` } },
  );

  out.order = await call(() =>
    clover.orders.create({
      currency: "usd",
      email: "grace.sdk@example.com",
      customer: customerId,
      items: [
        {
          amount: 1358,
          currency: "usd",
          description: "Lemon cupcake with blackberry frosting",
          quantity: 2,
          tax_rates: [{ name: "Sale", rate: 1000000 }],
        },
      ],
    }),
  );
  const orderId = out.order.body.id;
  out.fetchedOrder = await call(() => clover.orders.retrieve(orderId));
  const payOrder = () => clover.orders.pay(orderId, { customer: customerId });
  out.paid = await call(payOrder, "sdk-pay-order-0001");
  out.paidAgain = await call(payOrder, "sdk-pay-order-0002");
  out.orderList = await plain("GET", `/v1/orders?customer=${customerId}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });

  const charge = { amount: 1500, currency: "usd", source: tokens.amex, description: "Tea" };
  out.charge = await call(() => clover.charges.create(charge), "sdk-charge-000000001");
  out.replayed = await call(() => clover.charges.create(charge), "sdk-charge-000000001");
  out.keyReused = await call(() =>
    clover.charges.create({ ...charge, amount: 1600 }),
    "sdk-charge-000000001",
  );
  out.noKey = await call(() => clover.charges.create({ ...charge, source: tokens.declined }));
  out.declined = await call(() =>
    clover.charges.create({ ...charge, source: tokens.declined }),
    "sdk-charge-000000002",
  );
  out.authorized = await call(() =>
    clover.charges.create({ amount: 2500, currency: "usd", source: customerId, capture: false }),
    "sdk-charge-000000003",
  );
  out.captured = await call(() =>
    clover.charges.capture(out.authorized.body.id, { amount: 2000 }),
    "sdk-capture-00000001",
  );
  out.fetchedCharge = await call(() => clover.charges.retrieve(out.charge.body.id));
  out.missingCharge = await call(() => clover.charges.retrieve("NOSUCHCHARGE0"));

  const [firstCard] = out.v3.body.cards.elements;
  out.revoked = await plain("DELETE", `/v1/customers/${customerId}/sources/${firstCard.id}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  out.deleted = await call(() => clover.customers.del(customerId));
  out.afterDelete = await call(update({ name: "Gone" }));
  fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 2));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
