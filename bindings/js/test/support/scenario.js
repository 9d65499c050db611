// What backtest-kit does with its 16 adapters, through its own API (`Persist<X>Adapter`), with
// every read, list, has, remove and dispose it offers; returns everything it read. Run once on
// backtest-kit's own file adapters and once with persist installed, the two must be equal.

const CTX = ['BTCUSDT', 'my-strategy', 'binance'];
const NOW = Date.now();
const MINUTE = 60_000;

export const signalRow = {
  id: 'sig-1', position: 'long', note: 'breakout', priceOpen: 42000.5, priceTakeProfit: 43000, priceStopLoss: 41000,
  minuteEstimatedTime: Infinity, cost: 100, exchangeName: 'binance', strategyName: 'my-strategy', frameName: '',
  scheduledAt: 1704067200000, pendingAt: 1704067260000, symbol: 'BTCUSDT', _isScheduled: false,
};
/** A row written before backtest-kit 19.5: no multiplier, no isolated. */
export const riskPosition = {
  strategyName: 'my-strategy', exchangeName: 'binance', frameName: '', symbol: 'BTCUSDT', position: 'long',
  priceOpen: 42000.5, priceStopLoss: 41000, priceTakeProfit: 43000, minuteEstimatedTime: 240, openTimestamp: 1704067260000,
};
export const strategyData = {
  pendingSignalId: 'sig-1', lastPendingId: 'sig-1', createdSignal: null, commitQueue: [],
  closedSignal: null, cancelledSignal: null, activatedSignal: null, takeProfitSignal: null, stopLossSignal: null,
  retryOpenSignal: { ...signalRow, id: 'sig-0' }, retryOpenCount: 1, retryCloseCount: 0, isPaused: false,
};
export const partialData = { 'sig-1': { profitLevels: [10, 20], lossLevels: [] } };

const candle = (i) => ({ timestamp: Math.floor(NOW / MINUTE) * MINUTE - (10 - i) * MINUTE, open: 1 + i, high: 2 + i, low: 0.5, close: 1.5 + i, volume: 10 });
const logEntry = (id, topic) => ({
  id, type: 'info', priority: 1, createdAt: '2024-01-01T00:00:00.000Z', timestamp: 1704067200000,
  methodContext: null, executionContext: null, topic, args: [1, 'two'],
});

async function list(generator) {
  const out = [];
  for await (const item of generator) out.push(item);
  return out;
}

/** Writes what live mode writes when a signal opens: the signal row, the risk slot, the
 *  partial levels and the strategy's state. */
export async function openSignal(bk) {
  await bk.PersistStrategyAdapter.writeStrategyData(strategyData, ...CTX);
  await bk.PersistSignalAdapter.writeSignalData(signalRow, ...CTX);
  await bk.PersistRiskAdapter.writePositionData([['my-strategy_binance_BTCUSDT', riskPosition]], 'my-risk', 'binance', new Date(NOW));
  await bk.PersistPartialAdapter.writePartialData(partialData, 'BTCUSDT', 'my-strategy', 'sig-1', 'binance', new Date(NOW));
}

/** Reads back what openSignal wrote, as a restart does. */
export async function restore(bk) {
  return {
    signal: await bk.PersistSignalAdapter.readSignalData(...CTX),
    risk: await bk.PersistRiskAdapter.readPositionData('my-risk', 'binance', new Date(NOW)),
    partial: await bk.PersistPartialAdapter.readPartialData('BTCUSDT', 'my-strategy', 'sig-1', 'binance', new Date(NOW)),
    strategy: await bk.PersistStrategyAdapter.readStrategyData(...CTX),
  };
}

export async function exercise(bk) {
  const r = {};
  const when = new Date(NOW);
  r.signalEmpty = await bk.PersistSignalAdapter.readSignalData(...CTX);
  await openSignal(bk);
  Object.assign(r, await restore(bk));
  await bk.PersistSignalAdapter.writeSignalData(null, ...CTX);
  r.signalCleared = await bk.PersistSignalAdapter.readSignalData(...CTX);

  await bk.PersistScheduleAdapter.writeScheduleData({ ...signalRow, _isScheduled: true }, ...CTX);
  r.schedule = await bk.PersistScheduleAdapter.readScheduleData(...CTX);

  await bk.PersistBreakevenAdapter.writeBreakevenData({ 'sig-1': { reached: true } }, 'BTCUSDT', 'my-strategy', 'sig-1', 'binance', when);
  r.breakeven = await bk.PersistBreakevenAdapter.readBreakevenData('BTCUSDT', 'my-strategy', 'sig-1', 'binance', when);
  r.breakevenOther = await bk.PersistBreakevenAdapter.readBreakevenData('BTCUSDT', 'my-strategy', 'sig-2', 'binance', when);

  const candles = [0, 1, 2].map(candle);
  await bk.PersistCandleAdapter.writeCandlesData(candles, 'BTCUSDT', '1m', 'binance');
  await bk.PersistCandleAdapter.writeCandlesData([{ ...candles[0], close: 99 }], 'BTCUSDT', '1m', 'binance');
  r.candles = await bk.PersistCandleAdapter.readCandlesData('BTCUSDT', '1m', 'binance', 3, candles[0].timestamp, NOW);
  r.candlesGap = await bk.PersistCandleAdapter.readCandlesData('BTCUSDT', '1m', 'binance', 4, candles[0].timestamp, NOW);

  const stored = { ...signalRow, status: 'opened', createdAt: 1, updatedAt: 2, priority: 2, currentPrice: 42000 };
  await bk.PersistStorageAdapter.writeStorageData([stored, { ...stored, id: 'sig-10' }, { ...stored, id: 'sig-2' }], false);
  r.storage = await bk.PersistStorageAdapter.readStorageData(false);
  r.storageBacktest = await bk.PersistStorageAdapter.readStorageData(true);

  await bk.PersistNotificationAdapter.writeNotificationData([
    { id: 'n1', type: 'signal.opened', timestamp: 1, backtest: false, cost: 100, minuteEstimatedTime: Infinity },
    { id: 'n2', type: 'error.critical', timestamp: 2, backtest: false, message: 'x' },
  ], false);
  r.notification = await bk.PersistNotificationAdapter.readNotificationData(false);

  await bk.PersistLogAdapter.writeLogData([logEntry('l1', 'first'), logEntry('l2', 'second')]);
  await bk.PersistLogAdapter.writeLogData([logEntry('l1', 'changed'), logEntry('l3', 'third')]);
  r.log = await bk.PersistLogAdapter.readLogData();

  for (const key of ['a', 'b']) await bk.PersistMeasureAdapter.writeMeasureData({ id: key, data: { v: key }, removed: false }, 'sma_1h_0', key, when);
  await bk.PersistMeasureAdapter.removeMeasureData('sma_1h_0', 'b');
  await bk.PersistMeasureAdapter.removeMeasureData('sma_1h_0', 'never-written');
  r.measure = [await bk.PersistMeasureAdapter.readMeasureData('sma_1h_0', 'a'), await bk.PersistMeasureAdapter.readMeasureData('sma_1h_0', 'b')];
  r.measureList = await list(bk.PersistMeasureAdapter.listMeasureData('sma_1h_0'));

  for (const key of ['x', 'y']) {
    await bk.PersistIntervalAdapter.writeIntervalData({ id: key, data: [1, 2], when: new Date(NOW).toISOString(), removed: false }, 'once_1d_0', key, when);
  }
  await bk.PersistIntervalAdapter.removeIntervalData('once_1d_0', 'x');
  r.interval = [await bk.PersistIntervalAdapter.readIntervalData('once_1d_0', 'x'), await bk.PersistIntervalAdapter.readIntervalData('once_1d_0', 'y')];
  r.intervalList = await list(bk.PersistIntervalAdapter.listIntervalData('once_1d_0'));

  await bk.PersistMemoryAdapter.waitForInit('sig-1', 'notes', true);
  for (const id of ['m1', 'm2']) {
    await bk.PersistMemoryAdapter.writeMemoryData({ priority: 1, data: { text: id }, removed: false, index: id, when: 5 }, 'sig-1', 'notes', id, when);
  }
  await bk.PersistMemoryAdapter.removeMemoryData('sig-1', 'notes', 'm2');
  r.memory = [await bk.PersistMemoryAdapter.readMemoryData('sig-1', 'notes', 'm1'), await bk.PersistMemoryAdapter.readMemoryData('sig-1', 'notes', 'm2')];
  r.memoryHas = [await bk.PersistMemoryAdapter.hasMemoryData('sig-1', 'notes', 'm2'), await bk.PersistMemoryAdapter.hasMemoryData('sig-1', 'notes', 'm3')];
  r.memoryList = await list(bk.PersistMemoryAdapter.listMemoryData('sig-1', 'notes'));
  bk.PersistMemoryAdapter.dispose('sig-1', 'notes');
  r.memoryAfterDispose = await bk.PersistMemoryAdapter.readMemoryData('sig-1', 'notes', 'm1');

  await bk.PersistRecentAdapter.writeRecentData(signalRow, ...CTX, '', false, when);
  r.recent = await bk.PersistRecentAdapter.readRecentData(...CTX, '', false);

  await bk.PersistStateAdapter.writeStateData({ id: 'sig-1_trail', data: { peak: 43000 }, when: 5 }, 'sig-1', 'trail', when);
  r.state = await bk.PersistStateAdapter.readStateData('sig-1', 'trail');

  await bk.PersistSessionAdapter.writeSessionData({ id: 'BTCUSDT:my-strategy:binance:live', data: { seen: 3 }, when: 7 }, 'my-strategy', 'binance', '', when, 'BTCUSDT', false);
  r.session = await bk.PersistSessionAdapter.readSessionData('my-strategy', 'binance', '', 'BTCUSDT', false);
  return r;
}
