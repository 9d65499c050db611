"""The domain adapters in the shape of the WIT: one object per context, made by `Persist`
(`persist.signal("BTCUSDT", "my-strategy", "binance")`), with backtest-kit's
`Persist<X>Instance` operations under the same names as the Rust API (snake_case) and the
Node API (camelCase). Values are plain Python data in backtest-kit's JSON shape (dicts, lists,
numbers); Infinity goes in as is and comes back as `math.inf`, as backtest-kit restores it.
"""

import json
import math
from typing import Any, List, Optional

_DEFERRED_ROWS = ("closedSignal", "cancelledSignal", "activatedSignal", "takeProfitSignal", "stopLossSignal",
                  "retryOpenSignal")


def dumps(value: Any) -> str:
    """JSON text as JavaScript's `JSON.stringify` writes it: Infinity and NaN become null."""

    def finite(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [finite(x) for x in v]
        return v

    return json.dumps(finite(value), ensure_ascii=False, separators=(",", ":"))


def with_infinity(row: Optional[dict]) -> Optional[dict]:
    """backtest-kit restores `minuteEstimatedTime: null` (Infinity written as JSON) to Infinity."""
    if isinstance(row, dict) and row.get("minuteEstimatedTime") is None:
        row["minuteEstimatedTime"] = math.inf
    return row


def parsed(text: Optional[str]) -> Any:
    """JSON text from the guest, or None for nothing stored."""
    return None if text is None else json.loads(text)


class Handle:
    """One resource in the guest: a context's `<domain>-instance` or a `persist-base`. It is
    dropped in the guest by `close()`, at the end of a `with` block, or when garbage-collected."""

    _INTERFACE = ""
    _RESOURCE = ""

    def __init__(self, persist: Any, *context: Any):
        self._persist = persist
        self._handle = persist.call(self._INTERFACE, f"[constructor]{self._RESOURCE}", *context)

    def _call(self, method: str, *args: Any) -> Any:
        if self._handle is None:
            raise ValueError(f"this {self._RESOURCE} was closed; make a new one")
        return self._persist.call(self._INTERFACE, f"[method]{self._RESOURCE}.{method}", self._handle, *args)

    def wait_for_init(self, initial: bool = True) -> Any:
        """Validates the documents once for all handles of the same context, moving invalid ones
        to the quarantine; returns the report of that pass (`findings`, `checked`)."""
        return self._call("wait-for-init", initial)

    def close(self) -> None:
        """Drops the resource in the guest; later calls raise ValueError."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.drop(self._persist._store)

    def __enter__(self) -> "Handle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # the store may be gone already at interpreter exit
            pass


class Instance(Handle):
    """A context of one domain: the typed records' conversions its methods share."""

    def _record(self, function: str, value: Any) -> Any:
        return self._persist.call("records", function, value)

    def wait_for_init(self, initial: bool = True) -> Any:
        """Validates the context's documents once for all its handles, moving invalid ones to the
        quarantine; returns the report of that pass (`findings`, `checked`)."""
        return self._call("wait-for-init", initial)

    def _row_out(self, row: Any) -> Optional[dict]:
        return None if row is None else with_infinity(json.loads(self._record("signal-row-to-json", row)))

    def _row_in(self, row: Optional[dict]) -> Any:
        return None if row is None else self._record("signal-row-from-json", dumps(row))


class SignalInstance(Instance):
    """backtest-kit's `PersistSignalInstance`: the open signal of a symbol, strategy and exchange."""

    _INTERFACE, _RESOURCE = "signal", "signal-instance"

    def read_signal_data(self) -> Optional[dict]:
        return self._row_out(self._call("read-signal-data"))

    def write_signal_data(self, signal_row: Optional[dict]) -> None:
        self._call("write-signal-data", self._row_in(signal_row))


class ScheduleInstance(Instance):
    """backtest-kit's `PersistScheduleInstance`: the scheduled signal of a symbol, strategy and exchange."""

    _INTERFACE, _RESOURCE = "schedule", "schedule-instance"

    def read_schedule_data(self) -> Optional[dict]:
        return self._row_out(self._call("read-schedule-data"))

    def write_schedule_data(self, signal_row: Optional[dict]) -> None:
        self._call("write-schedule-data", self._row_in(signal_row))


class RecentInstance(Instance):
    """backtest-kit's `PersistRecentInstance`: the most recent signal of a context."""

    _INTERFACE, _RESOURCE = "recent", "recent-instance"

    def read_recent_data(self) -> Optional[dict]:
        return self._row_out(self._call("read-recent-data"))

    def write_recent_data(self, signal_row: Optional[dict], when: float = 0.0) -> None:
        self._call("write-recent-data", self._row_in(signal_row), float(when))


class StrategyInstance(Instance):
    """backtest-kit's `PersistStrategyInstance`: the strategy's state for a symbol, strategy and exchange."""

    _INTERFACE, _RESOURCE = "strategy", "strategy-instance"

    def read_strategy_data(self) -> Optional[dict]:
        data = self._call("read-strategy-data")
        if data is None:
            return None
        out = json.loads(self._record("strategy-data-to-json", data))
        for key in _DEFERRED_ROWS:
            with_infinity(out.get(key))
        return out

    def write_strategy_data(self, data: Optional[dict]) -> None:
        record = None if data is None else self._record("strategy-data-from-json", dumps(data))
        self._call("write-strategy-data", record)


class RiskInstance(Instance):
    """backtest-kit's `PersistRiskInstance`: a risk profile's open positions as `[key, position]` pairs."""

    _INTERFACE, _RESOURCE = "risk", "risk-instance"

    def read_position_data(self, when: float = 0.0) -> List[list]:
        pairs = json.loads(self._record("risk-to-json", self._call("read-position-data", float(when))))
        for _, position in pairs:
            with_infinity(position)
        return pairs

    def write_position_data(self, risk_row: List[list], when: float = 0.0) -> None:
        self._call("write-position-data", self._record("risk-from-json", dumps(risk_row)), float(when))


class PartialInstance(Instance):
    """backtest-kit's `PersistPartialInstance`: `{signalId: {profitLevels, lossLevels}}` per signal."""

    _INTERFACE, _RESOURCE = "partial", "partial-instance"

    def read_partial_data(self, signal_id: str, when: float = 0.0) -> dict:
        return json.loads(self._record("partial-to-json", self._call("read-partial-data", signal_id, float(when))))

    def write_partial_data(self, partial_data: dict, signal_id: str, when: float = 0.0) -> None:
        levels = self._record("partial-from-json", dumps(partial_data))
        self._call("write-partial-data", levels, signal_id, float(when))


class BreakevenInstance(Instance):
    """backtest-kit's `PersistBreakevenInstance`: `{signalId: {reached}}` per signal."""

    _INTERFACE, _RESOURCE = "breakeven", "breakeven-instance"

    def read_breakeven_data(self, signal_id: str, when: float = 0.0) -> dict:
        levels = self._call("read-breakeven-data", signal_id, float(when))
        return json.loads(self._record("breakeven-to-json", levels))

    def write_breakeven_data(self, breakeven_data: dict, signal_id: str, when: float = 0.0) -> None:
        levels = self._record("breakeven-from-json", dumps(breakeven_data))
        self._call("write-breakeven-data", levels, signal_id, float(when))


class CandleInstance(Instance):
    """backtest-kit's `PersistCandleInstance`: the cached candles of a symbol, interval and exchange."""

    _INTERFACE, _RESOURCE = "candle", "candle-instance"

    def read_candles_data(self, limit: int, since_timestamp: float, until_timestamp: float = 0.0) -> Optional[list]:
        """The `limit` candles from `since_timestamp`, or None if one is missing (a cache miss)."""
        candles = self._call("read-candles-data", int(limit), float(since_timestamp), float(until_timestamp))
        return None if candles is None else json.loads(self._record("candles-to-json", candles))

    def write_candles_data(self, candles: list) -> dict:
        """Writes closed candles not yet stored (first write wins); says how many of each."""
        report = self._call("write-candles-data", self._record("candles-from-json", dumps(candles)))
        return {k: getattr(report, k) for k in ("written", "existing", "unclosed")}


class StorageInstance(Instance):
    """backtest-kit's `PersistStorageInstance`: the signal rows of backtest or live data, by id."""

    _INTERFACE, _RESOURCE = "storage-signals", "storage-instance"

    def read_storage_data(self) -> List[dict]:
        return [with_infinity(json.loads(t)) for t in self._call("read-storage-data")]

    def write_storage_data(self, signal_data: List[dict]) -> None:
        self._call("write-storage-data", [dumps(r) for r in signal_data])


class NotificationInstance(Instance):
    """backtest-kit's `PersistNotificationInstance`: the notifications of backtest or live data, by id."""

    _INTERFACE, _RESOURCE = "notification", "notification-instance"

    def read_notification_data(self) -> List[dict]:
        # As backtest-kit's reader: Infinity back only where the notification has the field.
        rows = [json.loads(t) for t in self._call("read-notification-data")]
        return [with_infinity(r) if "minuteEstimatedTime" in r else r for r in rows]

    def write_notification_data(self, notification_data: List[dict]) -> None:
        self._call("write-notification-data", [dumps(r) for r in notification_data])


class LogInstance(Instance):
    """backtest-kit's `PersistLogInstance`: the append-only log, by id."""

    _INTERFACE, _RESOURCE = "log", "log-instance"

    def read_log_data(self) -> List[dict]:
        return [json.loads(t) for t in self._call("read-log-data")]

    def write_log_data(self, log_data: List[dict]) -> int:
        """Writes the entries whose id is not stored yet; returns how many were."""
        return self._call("write-log-data", [dumps(e) for e in log_data])


class MeasureInstance(Instance):
    """backtest-kit's `PersistMeasureInstance`: one bucket of cached measures, soft-deleted."""

    _INTERFACE, _RESOURCE = "measure", "measure-instance"

    def read_measure_data(self, key: str) -> Any:
        return parsed(self._call("read-measure-data", key))

    def write_measure_data(self, data: Any, key: str, when: float = 0.0) -> None:
        self._call("write-measure-data", dumps(data), key, float(when))

    def remove_measure_data(self, key: str) -> None:
        self._call("remove-measure-data", key)

    def list_measure_data(self) -> List[str]:
        return self._call("list-measure-data")


class IntervalInstance(Instance):
    """backtest-kit's `PersistIntervalInstance`: one bucket of values cached per interval, soft-deleted."""

    _INTERFACE, _RESOURCE = "interval", "interval-instance"

    def read_interval_data(self, key: str) -> Any:
        return parsed(self._call("read-interval-data", key))

    def write_interval_data(self, data: Any, key: str, when: float = 0.0) -> None:
        self._call("write-interval-data", dumps(data), key, float(when))

    def remove_interval_data(self, key: str) -> None:
        self._call("remove-interval-data", key)

    def list_interval_data(self) -> List[str]:
        return self._call("list-interval-data")


class MemoryInstance(Instance):
    """backtest-kit's `PersistMemoryInstance`: one bucket of a signal's memory entries, soft-deleted."""

    _INTERFACE, _RESOURCE = "memory", "memory-instance"

    def read_memory_data(self, memory_id: str) -> Any:
        return parsed(self._call("read-memory-data", memory_id))

    def has_memory_data(self, memory_id: str) -> bool:
        """True even when soft-removed."""
        return self._call("has-memory-data", memory_id)

    def write_memory_data(self, data: Any, memory_id: str, when: float = 0.0) -> None:
        self._call("write-memory-data", dumps(data), memory_id, float(when))

    def remove_memory_data(self, memory_id: str) -> None:
        self._call("remove-memory-data", memory_id)

    def list_memory_data(self) -> List[dict]:
        items = self._call("list-memory-data")
        return [{"memoryId": getattr(i, "memory-id"), "data": json.loads(i.data)} for i in items]

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._call("dispose")


class StateInstance(Instance):
    """backtest-kit's `PersistStateInstance`: one state value of a signal."""

    _INTERFACE, _RESOURCE = "state", "state-instance"

    def read_state_data(self) -> Any:
        return parsed(self._call("read-state-data"))

    def write_state_data(self, data: Any, when: float = 0.0) -> None:
        self._call("write-state-data", dumps(data), float(when))

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._call("dispose")


class SessionInstance(Instance):
    """backtest-kit's `PersistSessionInstance`: the session data of a strategy, exchange, frame, symbol and mode."""

    _INTERFACE, _RESOURCE = "session", "session-instance"

    def read_session_data(self) -> Any:
        """None when missing or when the stored record is another session's (with a warning)."""
        return parsed(self._call("read-session-data"))

    def write_session_data(self, data: Any, when: float = 0.0) -> None:
        self._call("write-session-data", dumps(data), float(when))

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._call("dispose")


class PersistBase(Handle):
    """backtest-kit's `PersistBase` for an entity of your own: values are JSON-able Python data."""

    _INTERFACE, _RESOURCE = "base", "persist-base"

    def read_value(self, id: str) -> Any:
        return json.loads(self._call("read-value", id))

    def has_value(self, id: str) -> bool:
        return self._call("has-value", id)

    def write_value(self, id: str, value: Any) -> None:
        self._call("write-value", id, dumps(value))

    def remove_value(self, id: str) -> None:
        self._call("remove-value", id)

    def keys(self) -> List[str]:
        return self._call("keys")
