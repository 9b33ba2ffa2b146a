// Conformance test: the unmodified ccxt library (REST + ccxt.pro WebSocket) against nectar's Bitget V2
// simulator (spot, then the USDT-M perpetual BTC/USDT:USDT), given only the simulator's base URLs and the funded test account's keys.
//
//   node tests/conformance/ccxt_bitget.mjs path/to/nectar
//
// Starts `nectar sim bitget --port 0`, runs every step below and prints `ok <step>` per passed step. Any
// failed assertion or unexpected ccxt error exits non-zero with `FAIL <step>: <reason>`. The simulator is
// always killed at the end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';

const CCXT_VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/ccxt/package.json', import.meta.url), 'utf8')).version;
const SYMBOL = 'BTC/USDT';
const STEP_TIMEOUT_MS = 20000;

const nectarBin = process.argv[2];
if (!nectarBin) {
  console.error('usage: node ccxt_bitget.mjs <path to nectar binary>');
  process.exit(2);
}

let sim;  // the simulator child process
let exchange;
let currentStep = 'start';

class AssertionFailed extends Error {}

function assert(cond, message) {
  if (!cond) throw new AssertionFailed(message);
}

function near(a, b, eps = 1e-9) {
  return Math.abs(Number(a) - Number(b)) <= eps * Math.max(1, Math.abs(Number(a)), Math.abs(Number(b)));
}

function assertNear(actual, expected, what, eps = 1e-9) {
  assert(near(actual, expected, eps), `${what}: expected ${expected}, got ${actual}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new AssertionFailed(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  currentStep = name;
  const result = await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT_MS * 2, `step ${name}`);
  console.log(`ok ${name}${result ? ` (${result})` : ''}`);
}

/// Calls watch() repeatedly until check() (evaluated on ccxt's caches after every message) is true.
async function watchUntil(watch, check, what, ms = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    if (check(last)) return last;
    const left = deadline - Date.now();
    if (left <= 0) throw new AssertionFailed(`timed out after ${ms} ms waiting for ${what}`);
    // ccxt re-uses the pending future of a message hash, so racing it against a timer loses nothing.
    const slice = Math.min(left, 1000);
    const pending = watch();
    pending.catch(() => {});  // a rejection still fails the race below; this only avoids an unhandled one
    last = await Promise.race([pending, sleep(slice).then(() => last)]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Simulator process

function startSimulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(nectarBin, ['sim', 'bitget', '--port', '0', '--seed', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    sim = child;
    const timer = setTimeout(() => reject(new Error('simulator printed no banner within 15 s')), 15000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited early (code ${code}, signal ${signal})`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (e) {
        reject(new Error(`banner is not JSON: ${line}`));
      }
    });
  });
}

let finishing = false;

async function shutdown(code) {
  if (finishing) return;
  finishing = true;
  try {
    if (exchange) await withTimeout(exchange.close(), 5000, 'exchange.close()');
  } catch {
    // ignore: we are exiting anyway
  }
  if (sim && sim.exitCode === null && sim.signalCode === null) {
    sim.removeAllListeners('exit');
    const exited = new Promise((resolve) => sim.once('exit', resolve));
    sim.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) sim.kill('SIGKILL');
  }
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------------------
// Test

function pointExchangeAt(ex, banner) {
  // Every REST endpoint family (spot, mix, user, p2p, broker, margin, common, tax, convert, copy, earn,
  // uta, ...) goes to the simulator's REST base; every WebSocket URL to the simulator's.
  const api = ex.urls.api;
  let restKeys = 0;
  for (const key of Object.keys(api)) {
    if (typeof api[key] === 'string') {
      api[key] = banner.rest;
      restKeys++;
    }
  }
  assert(restKeys >= 10, `expected ccxt bitget to have >= 10 REST URL families, found ${restKeys}`);
  for (const group of ['ws', 'demo']) {
    const urls = api[group];
    if (!urls) continue;
    for (const key of Object.keys(urls)) {
      urls[key] = key.toLowerCase().includes('private') ? banner.ws_private : banner.ws_public;
    }
  }
  const leaked = JSON.stringify(api).match(/bitget\.com/);
  assert(!leaked, `a URL still points at bitget.com: ${JSON.stringify(api)}`);
}

function findTrades(trades, orderId) {
  return trades.filter((t) => t.order === orderId);
}

async function main() {
  const banner = await startSimulator();
  for (const k of ['rest', 'ws_public', 'ws_private', 'api_key', 'secret_key', 'passphrase'])
    assert(typeof banner[k] === 'string' && banner[k].length > 0, `banner lacks ${k}`);
  console.log(`ok simulator (${banner.rest}; ccxt ${CCXT_VERSION})`);

  exchange = new ccxt.pro.bitget({
    apiKey: banner.api_key,
    secret: banner.secret_key,
    password: banner.passphrase,
    enableRateLimit: true,
    timeout: 10000,
  });
  pointExchangeAt(exchange, banner);
  // The simulator serves plain ws:// (no TLS); ccxt.pro on Node needs its public one-time call that
  // creates the http.Agent it uses for non-TLS WebSocket URLs (otherwise it raises NotSupported).
  await exchange.loadHttpProxyAgent();

  // ---- public REST ----
  await step('loadMarkets', async () => {
    const markets = await exchange.loadMarkets();
    const expect = {
      'BTC/USDT': { id: 'BTCUSDT', price: 0.01, amount: 0.000001 },
      'ETH/USDT': { id: 'ETHUSDT', price: 0.01, amount: 0.0001 },
    };
    for (const [symbol, e] of Object.entries(expect)) {
      const m = markets[symbol];
      assert(m, `market ${symbol} missing (have ${Object.keys(markets).join(', ')})`);
      assert(m.id === e.id, `${symbol} id ${m.id}`);
      assert(m.spot === true && m.type === 'spot' && m.contract === false, `${symbol} is not spot`);
      assert(m.active === true, `${symbol} not active`);
      assertNear(m.precision.price, e.price, `${symbol} precision.price`);
      assertNear(m.precision.amount, e.amount, `${symbol} precision.amount`);
      assertNear(m.limits.cost.min, 1, `${symbol} limits.cost.min`);
      assert(m.limits.amount.max > 0, `${symbol} limits.amount.max`);
      assertNear(m.taker, 0.001, `${symbol} taker fee`);
      assertNear(m.maker, 0.001, `${symbol} maker fee`);
    }
    for (const code of ['BTC', 'USDT', 'ETH']) assert(exchange.currencies[code], `currency ${code} missing`);
    return `${Object.keys(markets).length} markets, ${Object.keys(exchange.currencies).length} currencies`;
  });

  await step('fetchTime', async () => {
    const t = await exchange.fetchTime();
    assert(Number.isInteger(t), `fetchTime returned ${t}`);
    assert(Math.abs(t - Date.now()) < 10000, `server time ${t} far from local ${Date.now()}`);
  });

  let ticker;
  await step('fetchTicker', async () => {
    ticker = await exchange.fetchTicker(SYMBOL);
    assert(ticker.symbol === SYMBOL, `ticker symbol ${ticker.symbol}`);
    assert(ticker.last > 0 && ticker.bid > 0 && ticker.ask > 0, `ticker prices ${JSON.stringify(ticker)}`);
    assert(ticker.bid < ticker.ask, `ticker bid ${ticker.bid} >= ask ${ticker.ask}`);
    assert(ticker.high >= ticker.low, 'ticker high < low');
    assert(Number.isInteger(ticker.timestamp), 'ticker timestamp');
    return `last ${ticker.last} bid ${ticker.bid} ask ${ticker.ask}`;
  });

  await step('fetchOrderBook', async () => {
    const ob = await exchange.fetchOrderBook(SYMBOL, 50);
    assert(ob.symbol === SYMBOL, 'order book symbol');
    assert(ob.bids.length > 0 && ob.asks.length > 0, 'empty order book');
    assert(ob.bids.length <= 50 && ob.asks.length <= 50, 'limit not honoured');
    for (let i = 1; i < ob.bids.length; i++) assert(ob.bids[i][0] < ob.bids[i - 1][0], 'bids not descending');
    for (let i = 1; i < ob.asks.length; i++) assert(ob.asks[i][0] > ob.asks[i - 1][0], 'asks not ascending');
    assert(ob.bids[0][0] < ob.asks[0][0], 'crossed order book');
    assert(Number.isInteger(ob.timestamp), 'order book timestamp');
    return `${ob.bids.length} bids / ${ob.asks.length} asks`;
  });

  await step('fetchTrades', async () => {
    const trades = await exchange.fetchTrades(SYMBOL, undefined, 20);
    assert(trades.length > 0 && trades.length <= 20, `fetchTrades returned ${trades.length} trades`);
    for (const t of trades) {
      assert(t.symbol === SYMBOL && t.id && t.price > 0 && t.amount > 0, `bad trade ${JSON.stringify(t)}`);
      assert(t.side === 'buy' || t.side === 'sell', `trade side ${t.side}`);
      assertNear(t.cost, t.price * t.amount, 'trade cost', 1e-6);
    }
    return `${trades.length} trades`;
  });

  await step('fetchOHLCV', async () => {
    const bars = await exchange.fetchOHLCV(SYMBOL, '1m', undefined, 50);
    assert(bars.length > 0 && bars.length <= 50, `fetchOHLCV returned ${bars.length} candles`);
    for (let i = 0; i < bars.length; i++) {
      const [ts, o, h, l, c, v] = bars[i];
      assert(ts % 60000 === 0, `candle ts ${ts} not minute-aligned`);
      assert(i === 0 || ts === bars[i - 1][0] + 60000, 'candles not consecutive oldest-first minutes');
      assert(l <= Math.min(o, c) && h >= Math.max(o, c) && l > 0, `bad candle ${bars[i]}`);
      assert(v >= 0, `candle volume ${v}`);
    }
    const daily = await exchange.fetchOHLCV(SYMBOL, '1d', undefined, 5);
    assert(daily.length >= 1 && daily[daily.length - 1][0] % 86400000 === 0, `1d candles ${daily}`);
    return `${bars.length} x 1m`;
  });

  // ---- private REST ----
  await step('fetchBalance', async () => {
    const b = await exchange.fetchBalance();
    for (const [code, amount] of [['USDT', 10000], ['BTC', 1], ['ETH', 10]]) {
      assert(b[code], `balance ${code} missing`);
      assertNear(b[code].total, amount, `${code} total`);
      assertNear(b[code].free, amount, `${code} free`);
      assertNear(b[code].used, 0, `${code} used`);
    }
  });

  let restingId;
  const restingAmount = 0.001;
  let restingPrice;
  await step('createOrder limit buy (resting)', async () => {
    const book = await exchange.fetchOrderBook(SYMBOL, 5);
    restingPrice = Number(exchange.priceToPrecision(SYMBOL, book.bids[0][0] * 0.8));
    const o = await exchange.createOrder(SYMBOL, 'limit', 'buy', restingAmount, restingPrice);
    assert(o.id, 'createOrder returned no id');
    restingId = o.id;
    return `id ${o.id} price ${restingPrice}`;
  });

  await step('fetchOrder open', async () => {
    const o = await exchange.fetchOrder(restingId, SYMBOL);
    assert(o.id === restingId, `fetchOrder id ${o.id}`);
    assert(o.status === 'open', `status ${o.status}`);
    assert(o.symbol === SYMBOL && o.side === 'buy' && o.type === 'limit', `order ${JSON.stringify(o.info)}`);
    assertNear(o.price, restingPrice, 'order price');
    assertNear(o.amount, restingAmount, 'order amount');
    assertNear(o.filled, 0, 'order filled');
    assertNear(o.remaining, restingAmount, 'order remaining');
    assert(o.clientOrderId, 'clientOrderId missing');
  });

  await step('fetchOpenOrders', async () => {
    const open = await exchange.fetchOpenOrders(SYMBOL);
    const mine = open.find((o) => o.id === restingId);
    assert(mine, `order ${restingId} not among ${open.length} open orders`);
    assert(mine.status === 'open', `open order status ${mine.status}`);
    const b = await exchange.fetchBalance();
    assertNear(b.USDT.used, restingPrice * restingAmount, 'USDT frozen by the resting order', 1e-9);
  });

  await step('cancelOrder', async () => {
    const c = await exchange.cancelOrder(restingId, SYMBOL);
    assert(c.id === restingId, `cancelOrder id ${c.id}`);
  });

  await step('fetchOrder canceled', async () => {
    const o = await exchange.fetchOrder(restingId, SYMBOL);
    assert(o.status === 'canceled', `status ${o.status}`);
    assertNear(o.filled, 0, 'filled');
    const open = await exchange.fetchOpenOrders(SYMBOL);
    assert(!open.find((x) => x.id === restingId), 'cancelled order still open');
    const b = await exchange.fetchBalance();
    assertNear(b.USDT.used, 0, 'USDT frozen after cancel');
    assertNear(b.USDT.total, 10000, 'USDT total after cancel');
  });

  await step('cancelOrder of a finished order -> OrderNotFound', async () => {
    try {
      await exchange.cancelOrder(restingId, SYMBOL);
    } catch (e) {
      assert(e instanceof ccxt.OrderNotFound, `expected OrderNotFound, got ${e.constructor.name}: ${e.message}`);
      return;
    }
    throw new AssertionFailed('cancelling a cancelled order succeeded');
  });

  await step('createOrder beyond balance -> InsufficientFunds', async () => {
    try {
      await exchange.createOrder(SYMBOL, 'limit', 'buy', 1, restingPrice);
    } catch (e) {
      assert(e instanceof ccxt.InsufficientFunds, `expected InsufficientFunds, got ${e.constructor.name}: ${e.message}`);
      return;
    }
    throw new AssertionFailed('an order worth 5x the balance was accepted');
  });

  await step('wrong secret -> AuthenticationError', async () => {
    const bad = new ccxt.bitget({ apiKey: banner.api_key, secret: 'wrong', password: banner.passphrase });
    pointExchangeAt(bad, banner);
    try {
      await bad.fetchBalance();
    } catch (e) {
      assert(e instanceof ccxt.AuthenticationError, `expected AuthenticationError, got ${e.constructor.name}`);
      return;
    }
    throw new AssertionFailed('a wrongly signed request was accepted');
  });

  await step('clientOrderId with URL-reserved characters', async () => {
    // `#` and `:` must be percent-encoded in the query string; ccxt signs the decoded text (sign()).
    const coid = `ccxt#conf:${Date.now()}.a_b-c`;
    const o = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.001, restingPrice, { clientOrderId: coid });
    const f = await exchange.fetchOrder(undefined, SYMBOL, { clientOrderId: coid });
    assert(f.id === o.id && f.clientOrderId === coid && f.status === 'open', `by clientOid: ${JSON.stringify(f.info)}`);
    await exchange.cancelOrder(undefined, SYMBOL, { clientOrderId: coid });
    const g = await exchange.fetchOrder(o.id, SYMBOL);
    assert(g.status === 'canceled', `status after cancel by clientOid ${g.status}`);
  });

  await step('createOrder post-only crossing is not executed', async () => {
    // Bitget accepts a post-only order that would take liquidity and cancels it at once (protocol spec §5:
    // `cancelled` is terminal for "post-only that would cross"); a venue may also reject it outright. Either
    // way it must never rest or fill.
    const book = await exchange.fetchOrderBook(SYMBOL, 5);
    const price = Number(exchange.priceToPrecision(SYMBOL, book.asks[0][0] * 1.01));
    let o;
    try {
      o = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.001, price, { postOnly: true });
    } catch (e) {
      assert(e instanceof ccxt.InvalidOrder || e instanceof ccxt.ExchangeError, `unexpected error ${e}`);
      return `rejected: ${e.constructor.name}`;
    }
    const info = await exchange.fetchOrder(o.id, SYMBOL);
    assert(info.postOnly === true, `postOnly flag lost: ${JSON.stringify(info.info)}`);
    assert(info.status === 'canceled', `post-only crossing order status ${info.status}`);
    assertNear(info.filled, 0, 'post-only crossing order filled');
    const b = await exchange.fetchBalance();
    assertNear(b.USDT.used, 0, 'USDT frozen after post-only cancel');
    assertNear(b.BTC.total, 1, 'BTC after post-only');
    return 'accepted and cancelled';
  });

  const sellAmount = 0.001;
  let sellId;
  let sellTrades;
  await step('createOrder market sell', async () => {
    const o = await exchange.createOrder(SYMBOL, 'market', 'sell', sellAmount);
    assert(o.id, 'no id');
    sellId = o.id;
    const f = await exchange.fetchOrder(sellId, SYMBOL);
    assert(f.status === 'closed', `market sell status ${f.status}`);
    assert(f.type === 'market' && f.side === 'sell', `market sell ${JSON.stringify(f.info)}`);
    assertNear(f.filled, sellAmount, 'market sell filled');
    assert(f.average > 0 && f.cost > 0, `average ${f.average} cost ${f.cost}`);
    assert(f.fee && f.fee.currency === 'USDT' && f.fee.cost > 0, `order fee ${JSON.stringify(f.fee)}`);
    return `avg ${f.average}`;
  });

  await step('fetchMyTrades market sell', async () => {
    const trades = await exchange.fetchMyTrades(SYMBOL, undefined, 50);
    sellTrades = findTrades(trades, sellId);
    assert(sellTrades.length > 0, `no trade of order ${sellId} among ${trades.length}`);
    let filled = 0;
    for (const t of sellTrades) {
      assert(t.symbol === SYMBOL && t.side === 'sell' && t.takerOrMaker === 'taker', `trade ${JSON.stringify(t.info)}`);
      assert(t.fee && t.fee.currency === 'USDT' && t.fee.cost > 0, `trade fee ${JSON.stringify(t.fee)}`);
      assertNear(t.fee.cost, t.cost * 0.001, 'taker fee = 0.1% of cost', 1e-6);
      filled += t.amount;
    }
    assertNear(filled, sellAmount, 'sum of fills');
    return `${sellTrades.length} fill(s), fee ${sellTrades[0].fee.cost} ${sellTrades[0].fee.currency}`;
  });

  const buyCost = 50;
  let buyId;
  let buyTrades;
  await step('createMarketBuyOrderWithCost', async () => {
    const o = await exchange.createMarketBuyOrderWithCost(SYMBOL, buyCost);
    assert(o.id, 'no id');
    buyId = o.id;
    const f = await exchange.fetchOrder(buyId, SYMBOL);
    assert(f.status === 'closed', `market buy status ${f.status}`);
    assert(f.type === 'market' && f.side === 'buy', `market buy ${JSON.stringify(f.info)}`);
    assert(f.filled > 0, `market buy filled ${f.filled}`);
    assert(f.cost > 0 && f.cost <= buyCost + 1e-9, `market buy cost ${f.cost}`);
    assert(f.cost > buyCost * 0.99, `market buy spent only ${f.cost} of ${buyCost}`);
    assert(f.fee && f.fee.currency === 'BTC' && f.fee.cost > 0, `order fee ${JSON.stringify(f.fee)}`);
    return `filled ${f.filled} BTC for ${f.cost} USDT`;
  });

  await step('fetchMyTrades market buy', async () => {
    const trades = await exchange.fetchMyTrades(SYMBOL, undefined, 50);
    buyTrades = findTrades(trades, buyId);
    assert(buyTrades.length > 0, `no trade of order ${buyId}`);
    for (const t of buyTrades) {
      assert(t.side === 'buy' && t.takerOrMaker === 'taker', `trade ${JSON.stringify(t.info)}`);
      assert(t.fee && t.fee.currency === 'BTC' && t.fee.cost > 0, `trade fee ${JSON.stringify(t.fee)}`);
    }
  });

  await step('fetchClosedOrders', async () => {
    const closed = await exchange.fetchClosedOrders(SYMBOL);
    for (const id of [sellId, buyId]) {
      const o = closed.find((x) => x.id === id);
      assert(o && o.status === 'closed' && o.filled > 0, `order ${id} not closed in ${JSON.stringify(closed.map((x) => [x.id, x.status]))}`);
    }
    const all = await exchange.fetchCanceledAndClosedOrders(SYMBOL);
    const resting = all.find((x) => x.id === restingId);
    assert(resting && resting.status === 'canceled', 'the cancelled order is missing from the order history');
    assertNear(resting.price, restingPrice, 'history order price');
  });

  await step('fetchBalance after trades', async () => {
    const sum = (ts, f) => ts.reduce((a, t) => a + f(t), 0);
    const btc = 1 - sellAmount + sum(buyTrades, (t) => t.amount) - sum(buyTrades, (t) => t.fee.cost);
    const usdt = 10000 + sum(sellTrades, (t) => t.cost) - sum(sellTrades, (t) => t.fee.cost) -
                 sum(buyTrades, (t) => t.cost);
    const b = await exchange.fetchBalance();
    assertNear(b.BTC.total, btc, 'BTC total', 1e-9);
    assertNear(b.USDT.total, usdt, 'USDT total', 1e-9);
    assertNear(b.ETH.total, 10, 'ETH total');
    assertNear(b.BTC.used, 0, 'BTC used');
    assertNear(b.USDT.used, 0, 'USDT used');
    return `BTC ${b.BTC.total} USDT ${b.USDT.total}`;
  });

  // ---- public WebSocket ----
  await step('watchOrderBook (checksummed updates)', async () => {
    const start = Date.now();
    let updates = 0;
    let lastTs = 0;
    let changed = 0;
    let prevTop = '';
    while (Date.now() - start < 5000 || updates < 5) {
      assert(Date.now() - start < STEP_TIMEOUT_MS, `only ${updates} book updates in ${STEP_TIMEOUT_MS} ms`);
      // A checksum mismatch makes ccxt reject this promise with ccxt.ChecksumError.
      const ob = await withTimeout(exchange.watchOrderBook(SYMBOL), 5000, 'a book update');
      updates++;
      assert(ob.bids.length > 0 && ob.asks.length > 0, 'empty ws book');
      assert(ob.bids[0][0] < ob.asks[0][0], `crossed ws book ${ob.bids[0][0]} / ${ob.asks[0][0]}`);
      for (let i = 1; i < ob.bids.length; i++) assert(ob.bids[i][0] < ob.bids[i - 1][0], 'ws bids order');
      for (let i = 1; i < ob.asks.length; i++) assert(ob.asks[i][0] > ob.asks[i - 1][0], 'ws asks order');
      assert(ob.timestamp >= lastTs, 'book timestamp went backwards');
      lastTs = ob.timestamp;
      const top = JSON.stringify([ob.bids.slice(0, 25), ob.asks.slice(0, 25)]);
      if (top !== prevTop) changed++;
      prevTop = top;
    }
    assert(changed >= 3, `the book top barely moved (${changed} distinct tops)`);
    return `${updates} messages, ${changed} distinct tops, all checksums verified`;
  });

  await step('watchTrades', async () => {
    const trades = await withTimeout(exchange.watchTrades(SYMBOL), STEP_TIMEOUT_MS, 'public trades');
    assert(trades.length > 0, 'no trades');
    for (const t of trades) {
      assert(t.symbol === SYMBOL && t.price > 0 && t.amount > 0 && t.id, `bad ws trade ${JSON.stringify(t)}`);
      assert(t.side === 'buy' || t.side === 'sell', `ws trade side ${t.side}`);
    }
    return `${trades.length} trades`;
  });

  await step('watchTicker', async () => {
    const t = await withTimeout(exchange.watchTicker(SYMBOL), STEP_TIMEOUT_MS, 'a ticker');
    assert(t.symbol === SYMBOL, `ws ticker symbol ${t.symbol}`);
    assert(t.last > 0 && t.bid > 0 && t.ask > 0 && t.bid < t.ask, `ws ticker ${JSON.stringify(t)}`);
    assert(t.high >= t.low && t.open > 0, `ws ticker stats ${JSON.stringify(t)}`);
    return `last ${t.last}`;
  });

  await step('watchOHLCV', async () => {
    const bars = await withTimeout(exchange.watchOHLCV(SYMBOL, '1m'), STEP_TIMEOUT_MS, 'a candle');
    assert(bars.length > 0, 'no candles');
    const [ts, o, h, l, c, v] = bars[bars.length - 1];
    assert(ts % 60000 === 0 && l <= Math.min(o, c) && h >= Math.max(o, c) && v >= 0, `bad ws candle ${bars.at(-1)}`);
    return `${bars.length} candle(s)`;
  });

  // ---- private WebSocket ----
  await step('watchBalance snapshot', async () => {
    const b = await withTimeout(exchange.watchBalance(), STEP_TIMEOUT_MS, 'account snapshot');
    const rest = await exchange.fetchBalance();
    for (const code of ['USDT', 'BTC', 'ETH']) {
      assert(b[code], `ws balance ${code} missing`);
      assertNear(b[code].free, rest[code].free, `ws ${code} free`);
      assertNear(b[code].used, 0, `ws ${code} used`);
    }
  });

  let wsOrderId;
  let wsPrice;
  const wsAmount = 0.002;
  await step('watchOrders / watchBalance see a new order', async () => {
    // Subscribe first: the orders channel has no initial push.
    const first = exchange.watchOrders(SYMBOL);
    first.catch(() => {});
    await sleep(500);
    const book = await exchange.fetchOrderBook(SYMBOL, 5);
    wsPrice = Number(exchange.priceToPrecision(SYMBOL, book.bids[0][0] * 0.85));
    const o = await exchange.createOrder(SYMBOL, 'limit', 'buy', wsAmount, wsPrice);
    wsOrderId = o.id;
    const seen = () => exchange.orders && exchange.orders.hashmap?.[SYMBOL]?.[wsOrderId];
    await watchUntil(() => exchange.watchOrders(SYMBOL), () => seen()?.status === 'open', 'the open order push');
    const wo = seen();
    assertNear(wo.price, wsPrice, 'ws order price');
    assertNear(wo.amount, wsAmount, 'ws order amount');
    assert(wo.side === 'buy' && wo.type === 'limit', `ws order ${JSON.stringify(wo.info)}`);
    await watchUntil(() => exchange.watchBalance(), () => near(exchange.balance?.USDT?.used, wsPrice * wsAmount),
                     'USDT frozen on the account channel');
    return `order ${wsOrderId} open, USDT used ${exchange.balance.USDT.used}`;
  });

  await step('watchOrders / watchBalance see the cancel', async () => {
    await exchange.cancelOrder(wsOrderId, SYMBOL);
    const seen = () => exchange.orders.hashmap?.[SYMBOL]?.[wsOrderId];
    await watchUntil(() => exchange.watchOrders(SYMBOL), () => seen()?.status === 'canceled',
                     'the cancelled order push');
    assertNear(seen().filled, 0, 'ws cancelled order filled');
    await watchUntil(() => exchange.watchBalance(), () => near(exchange.balance?.USDT?.used, 0),
                     'USDT released on the account channel');
    return `order ${wsOrderId} canceled, USDT used ${exchange.balance.USDT.used}`;
  });

  await step('watchOrders / watchMyTrades see a market fill', async () => {
    const trades = exchange.watchMyTrades(SYMBOL);  // subscribe to the `fill` channel first
    trades.catch(() => {});
    await sleep(500);
    const o = await exchange.createOrder(SYMBOL, 'market', 'sell', 0.001);
    const seen = () => exchange.orders.hashmap?.[SYMBOL]?.[o.id];
    await watchUntil(() => exchange.watchOrders(SYMBOL), () => seen()?.status === 'closed',
                     'the filled market order push');
    assertNear(seen().filled, 0.001, 'ws market order filled');
    const mine = () => (exchange.myTrades ?? []).filter((t) => t.order === o.id);
    await watchUntil(() => exchange.watchMyTrades(SYMBOL), () => mine().length > 0, 'the fill push');
    let filled = 0;
    for (const t of mine()) {
      assert(t.side === 'sell' && t.takerOrMaker === 'taker' && t.price > 0, `ws fill ${JSON.stringify(t.info)}`);
      assert(t.fee && t.fee.currency === 'USDT' && t.fee.cost > 0, `ws fill fee ${JSON.stringify(t.fee)}`);
      filled += t.amount;
    }
    assertNear(filled, 0.001, 'ws fills sum');
    return `order ${o.id} closed, ${mine().length} fill push(es)`;
  });

  await swapSteps();
}

// ---------------------------------------------------------------------------------------------------------
// USDT-M perpetual (`mix` endpoints, WS instType USDT-FUTURES): the same ccxt instance and key.

const SWAP = 'BTC/USDT:USDT';

async function swapSteps() {
  await step('swap loadMarkets sees BTC/USDT:USDT', async () => {
    const m = exchange.market(SWAP);
    assert(m.swap && m.linear && m.contract && m.settle === 'USDT', `market ${JSON.stringify(m)}`);
    assert(m.id === 'BTCUSDT' && exchange.market(SYMBOL).spot, 'spot and swap share the id BTCUSDT');
    assertNear(m.contractSize, 1, 'contractSize');
    assertNear(m.precision.price, 0.1, 'price tick');
    assertNear(m.precision.amount, 0.001, 'amount step');
    assertNear(m.limits.amount.min, 0.001, 'min amount');
    assertNear(m.limits.leverage.max, 125, 'max leverage');
    return `${m.id} tick ${m.precision.price} step ${m.precision.amount}`;
  });

  await step('swap fetchOrderBook', async () => {
    const ob = await exchange.fetchOrderBook(SWAP, 50);
    assert(ob.bids.length > 0 && ob.asks.length > 0, 'empty swap book');
    assert(ob.bids[0][0] < ob.asks[0][0], `crossed swap book ${ob.bids[0][0]} / ${ob.asks[0][0]}`);
    return `${ob.bids[0][0]} / ${ob.asks[0][0]}`;
  });

  await step('swap fetchTicker', async () => {
    const t = await exchange.fetchTicker(SWAP);
    assert(t.symbol === SWAP && t.bid > 0 && t.ask > t.bid, `ticker ${JSON.stringify(t.info)}`);
    assert(Number(t.markPrice ?? t.info.markPrice) > 0, `mark price ${JSON.stringify(t.info)}`);
    return `last ${t.last} mark ${t.markPrice ?? t.info.markPrice}`;
  });

  await step('swap fetchFundingRate', async () => {
    const r = await exchange.fetchFundingRate(SWAP);
    assertNear(r.fundingRate, 0.0001, 'funding rate');
    assert(r.fundingTimestamp > Date.now(), `next funding ${r.fundingTimestamp}`);
    return `rate ${r.fundingRate} next ${r.fundingDatetime}`;
  });

  await step('swap setLeverage', async () => {
    await exchange.setLeverage(10, SWAP);
    let refused = false;
    try {
      await exchange.setLeverage(200, SWAP);
    } catch (e) {
      refused = e instanceof ccxt.ExchangeError;
    }
    assert(refused, 'leverage 200 was not refused');
    return 'leverage 10; 200 refused';
  });

  await step('swap fetchBalance({type: swap})', async () => {
    const b = await exchange.fetchBalance({ type: 'swap' });
    assertNear(b.USDT.total, 10000, 'swap USDT total');
    assertNear(b.USDT.free, 10000, 'swap USDT free');
    return `USDT ${b.USDT.free} / ${b.USDT.total}`;
  });

  await step('swap setPositionMode hedged', async () => {
    await exchange.setPositionMode(true, SWAP);
  });

  let openId;
  await step('swap createOrder open long (hedged)', async () => {
    const o = await exchange.createOrder(SWAP, 'market', 'buy', 0.01, undefined, { hedged: true });
    openId = o.id;
    const f = await exchange.fetchOrder(o.id, SWAP);
    assert(f.status === 'closed' && near(f.filled, 0.01) && f.side === 'buy', `order ${JSON.stringify(f.info)}`);
    return `order ${o.id} filled at ${f.average}`;
  });

  await step('swap fetchPositions', async () => {
    const ps = (await exchange.fetchPositions([SWAP])).filter((p) => p.contracts > 0);
    assert(ps.length === 1, `positions ${JSON.stringify(ps.map((p) => p.info))}`);
    const p = ps[0];
    assert(p.symbol === SWAP && p.side === 'long' && p.hedged === true, `position ${JSON.stringify(p.info)}`);
    assertNear(p.contracts, 0.01, 'position size');
    assertNear(p.leverage, 10, 'position leverage');
    return `long ${p.contracts} @ ${p.entryPrice}`;
  });

  await step('swap setPositionMode refused while a position is open', async () => {
    let refused = false;
    try {
      await exchange.setPositionMode(false, SWAP);
    } catch (e) {
      refused = e instanceof ccxt.ExchangeError;
    }
    assert(refused, 'position mode switch was not refused');
  });

  await step('swap createOrder close long (hedged, reduceOnly)', async () => {
    const o = await exchange.createOrder(SWAP, 'market', 'sell', 0.01, undefined, { hedged: true, reduceOnly: true });
    const f = await exchange.fetchOrder(o.id, SWAP);
    assert(f.status === 'closed' && f.side === 'sell' && f.reduceOnly === true, `close ${JSON.stringify(f.info)}`);
    const ps = (await exchange.fetchPositions([SWAP])).filter((p) => p.contracts > 0);
    assert(ps.length === 0, `still open ${JSON.stringify(ps.map((p) => p.info))}`);
    const trades = await exchange.fetchMyTrades(SWAP);
    assert(trades.some((t) => t.order === openId) && trades.some((t) => t.order === o.id), 'swap fills');
    for (const t of trades) assert(t.fee && t.fee.currency === 'USDT' && t.fee.cost > 0, `fee ${JSON.stringify(t.info)}`);
    return `closed by ${o.id} (info side ${f.info.side}, tradeSide ${f.info.tradeSide})`;
  });

  await step('swap setPositionMode one-way again', async () => {
    await exchange.setPositionMode(false, SWAP);
  });

  await step('swap one-way open and reduceOnly close', async () => {
    await exchange.createOrder(SWAP, 'market', 'sell', 0.01);
    let ps = (await exchange.fetchPositions([SWAP])).filter((p) => p.contracts > 0);
    assert(ps.length === 1 && ps[0].side === 'short', `short ${JSON.stringify(ps.map((p) => p.info))}`);
    await exchange.createOrder(SWAP, 'market', 'buy', 0.01, undefined, { reduceOnly: true });
    ps = (await exchange.fetchPositions([SWAP])).filter((p) => p.contracts > 0);
    assert(ps.length === 0, `still open ${JSON.stringify(ps.map((p) => p.info))}`);
  });

  await step('swap watchOrderBook (checksummed updates)', async () => {
    let updates = 0;
    let last;
    await watchUntil(async () => {
      last = await exchange.watchOrderBook(SWAP);
      updates++;
      return last;
    }, () => updates >= 5, '5 swap book messages');
    assert(last.bids[0][0] < last.asks[0][0], 'crossed swap ws book');
    return `${updates} messages, top ${last.bids[0][0]} / ${last.asks[0][0]}`;
  });
}

process.on('unhandledRejection', (e) => {
  if (finishing) return;  // exchange.close() rejects watches still pending; irrelevant by then
  console.error(`FAIL ${currentStep}: unhandled rejection: ${e?.stack ?? e}`);
  shutdown(1);
});

try {
  await main();
  console.log('PASS ccxt bitget conformance');
  await shutdown(0);
} catch (e) {
  const detail = e instanceof AssertionFailed ? e.message : `${e?.constructor?.name}: ${e?.message ?? e}`;
  console.error(`FAIL ${currentStep}: ${detail}`);
  if (!(e instanceof AssertionFailed) && e?.stack) console.error(e.stack);
  await shutdown(1);
}
