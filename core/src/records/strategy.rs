//! `StrategyData`: the strategy's deferred state, with its commit queue (`ICommitRow`).

use super::signal::SignalRow;
use crate::record::{FieldError, Fields, Result, Writer, array, index};
use serde_json::{Map, Value};

/// `ICommitRow["action"]`: what a queued commit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitAction {
    /// `partial-profit`: close part of the position in profit.
    PartialProfit,
    /// `partial-loss`: close part of the position in loss.
    PartialLoss,
    /// `breakeven`: move the stop loss to the entry price.
    Breakeven,
    /// `average-buy`: add an entry.
    AverageBuy,
    /// `trailing-stop`: shift the stop loss.
    TrailingStop,
    /// `trailing-take`: shift the take profit.
    TrailingTake,
    /// `activate-scheduled`: open a scheduled signal now.
    ActivateScheduled,
}

impl CommitAction {
    /// Every action, in backtest-kit's order.
    pub const ALL: [CommitAction; 7] = [
        CommitAction::PartialProfit,
        CommitAction::PartialLoss,
        CommitAction::Breakeven,
        CommitAction::AverageBuy,
        CommitAction::TrailingStop,
        CommitAction::TrailingTake,
        CommitAction::ActivateScheduled,
    ];

    /// The action as stored (`partial-profit`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CommitAction::PartialProfit => "partial-profit",
            CommitAction::PartialLoss => "partial-loss",
            CommitAction::Breakeven => "breakeven",
            CommitAction::AverageBuy => "average-buy",
            CommitAction::TrailingStop => "trailing-stop",
            CommitAction::TrailingTake => "trailing-take",
            CommitAction::ActivateScheduled => "activate-scheduled",
        }
    }

    /// The member `name` of `f`, which must be one of the actions.
    fn read(f: &mut Fields, name: &'static str) -> Result<CommitAction> {
        let names = CommitAction::ALL.map(CommitAction::as_str);
        let found = f.one_of(name, &names)?;
        CommitAction::ALL
            .into_iter()
            .find(|a| a.as_str() == found)
            .ok_or_else(|| FieldError::new(name, format!("unknown action \"{found}\"")))
    }
}

/// One queued commit (`ICommitRow`): the action and the fields its variant carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// What the commit does.
    pub action: CommitAction,
    /// The symbol it is for.
    pub symbol: String,
    /// Whether it is for a backtest.
    pub backtest: bool,
    /// `percentToClose` (partial-profit, partial-loss).
    pub percent_to_close: Option<f64>,
    /// `currentPrice`.
    pub current_price: Option<f64>,
    /// `cost` (average-buy).
    pub cost: Option<f64>,
    /// `totalEntries` (average-buy).
    pub total_entries: Option<f64>,
    /// `percentShift` (trailing-stop, trailing-take).
    pub percent_shift: Option<f64>,
    /// `signalId` (activate-scheduled).
    pub signal_id: Option<String>,
    /// `activateId` (activate-scheduled).
    pub activate_id: Option<String>,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl Commit {
    fn read(path: &str, value: Value) -> Result<Commit> {
        let mut f = Fields::new(path, value)?;
        let commit = Commit {
            action: CommitAction::read(&mut f, "action")?,
            symbol: f.string("symbol")?,
            backtest: f.boolean("backtest")?,
            percent_to_close: f.opt_number("percentToClose")?,
            current_price: f.opt_number("currentPrice")?,
            cost: f.opt_number("cost")?,
            total_entries: f.opt_number("totalEntries")?,
            percent_shift: f.opt_number("percentShift")?,
            signal_id: f.opt_string("signalId")?,
            activate_id: f.opt_string("activateId")?,
            extra: f.rest(),
        };
        commit.check(path)?;
        Ok(commit)
    }

    /// The fields each action requires.
    fn check(&self, path: &str) -> Result<()> {
        let need = |name: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(FieldError::new(
                    crate::record::join(path, name),
                    format!("required by action \"{}\"", self.action.as_str()),
                ))
            }
        };
        match self.action {
            CommitAction::PartialProfit | CommitAction::PartialLoss => {
                need("percentToClose", self.percent_to_close.is_some())?;
                need("currentPrice", self.current_price.is_some())
            }
            CommitAction::Breakeven => need("currentPrice", self.current_price.is_some()),
            CommitAction::AverageBuy => {
                need("currentPrice", self.current_price.is_some())?;
                need("cost", self.cost.is_some())?;
                need("totalEntries", self.total_entries.is_some())
            }
            CommitAction::TrailingStop | CommitAction::TrailingTake => {
                need("percentShift", self.percent_shift.is_some())?;
                need("currentPrice", self.current_price.is_some())
            }
            CommitAction::ActivateScheduled => need("signalId", self.signal_id.is_some()),
        }
    }

    fn write(&self, path: &str) -> Result<String> {
        self.check(path)?;
        let mut w = Writer::new(path);
        w.string("action", self.action.as_str())
            .string("symbol", &self.symbol)
            .boolean("backtest", self.backtest)
            .opt_number("percentToClose", self.percent_to_close)?
            .opt_number("currentPrice", self.current_price)?
            .opt_number("cost", self.cost)?
            .opt_number("totalEntries", self.total_entries)?
            .opt_number("percentShift", self.percent_shift)?
            .opt_string("signalId", self.signal_id.as_deref())
            .opt_string("activateId", self.activate_id.as_deref())
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// `StrategyData`. Old snapshots may lack the later fields: readers default them to
/// null / 0 / false, as backtest-kit does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrategyData {
    /// The id of the open signal.
    pub pending_signal_id: Option<String>,
    /// The id of the last signal that was open.
    pub last_pending_id: Option<String>,
    /// `ISignalDto`, a signal not yet opened: kept as its JSON object.
    pub created_signal: Option<Map<String, Value>>,
    /// Commits queued for the next tick.
    pub commit_queue: Vec<Commit>,
    /// A close written ahead of clearing the open signal.
    pub closed_signal: Option<SignalRow>,
    /// A cancellation of the scheduled signal written ahead.
    pub cancelled_signal: Option<SignalRow>,
    /// An activation of the scheduled signal written ahead.
    pub activated_signal: Option<SignalRow>,
    /// A take-profit close written ahead.
    pub take_profit_signal: Option<SignalRow>,
    /// A stop-loss close written ahead.
    pub stop_loss_signal: Option<SignalRow>,
    /// A signal whose opening is being retried.
    pub retry_open_signal: Option<SignalRow>,
    /// Open retries so far.
    pub retry_open_count: f64,
    /// Close retries so far.
    pub retry_close_count: f64,
    /// Whether the strategy is paused.
    pub is_paused: bool,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

const DEFERRED: [&str; 6] = [
    "closedSignal",
    "cancelledSignal",
    "activatedSignal",
    "takeProfitSignal",
    "stopLossSignal",
    "retryOpenSignal",
];

impl StrategyData {
    /// Reads a stored value; the error names the field under `path`.
    pub fn read(path: &str, value: Value) -> Result<StrategyData> {
        let mut f = Fields::new(path, value)?;
        let row = |f: &mut Fields, name: &'static str| -> Result<Option<SignalRow>> {
            let path = f.path(name);
            f.opt_any(name)
                .map(|v| SignalRow::read(&path, v))
                .transpose()
        };
        let pending_signal_id = f.opt_string("pendingSignalId")?;
        let last_pending_id = f.opt_string("lastPendingId")?;
        let created_signal = f.opt_object("createdSignal", |inner| Ok(inner.rest()))?;
        let commit_queue = f.opt_list("commitQueue", Commit::read)?.unwrap_or_default();
        let closed_signal = row(&mut f, DEFERRED[0])?;
        let cancelled_signal = row(&mut f, DEFERRED[1])?;
        let activated_signal = row(&mut f, DEFERRED[2])?;
        let take_profit_signal = row(&mut f, DEFERRED[3])?;
        let stop_loss_signal = row(&mut f, DEFERRED[4])?;
        let retry_open_signal = row(&mut f, DEFERRED[5])?;
        Ok(StrategyData {
            pending_signal_id,
            last_pending_id,
            created_signal,
            commit_queue,
            closed_signal,
            cancelled_signal,
            activated_signal,
            take_profit_signal,
            stop_loss_signal,
            retry_open_signal,
            retry_open_count: f.opt_number("retryOpenCount")?.unwrap_or(0.0),
            retry_close_count: f.opt_number("retryCloseCount")?.unwrap_or(0.0),
            is_paused: f.opt_boolean("isPaused")?.unwrap_or(false),
            extra: f.rest(),
        })
    }

    /// The record as backtest-kit's JSON text.
    pub fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.opt_string("pendingSignalId", self.pending_signal_id.as_deref());
        if self.pending_signal_id.is_none() {
            w.null("pendingSignalId");
        }
        w.opt_string("lastPendingId", self.last_pending_id.as_deref());
        if self.last_pending_id.is_none() {
            w.null("lastPendingId");
        }
        match &self.created_signal {
            Some(map) => w.raw("createdSignal", &crate::record::extra_text(map)),
            None => w.null("createdSignal"),
        };
        let queue_path = w.path("commitQueue");
        let queue = array(
            self.commit_queue
                .iter()
                .enumerate()
                .map(|(i, c)| c.write(&index(&queue_path, i))),
        )?;
        w.raw("commitQueue", &queue);
        for (name, row) in DEFERRED.iter().zip([
            &self.closed_signal,
            &self.cancelled_signal,
            &self.activated_signal,
            &self.take_profit_signal,
            &self.stop_loss_signal,
            &self.retry_open_signal,
        ]) {
            match row {
                Some(r) => {
                    let text = r.write(&w.path(name))?;
                    w.raw(name, &text)
                }
                None => w.null(name),
            };
        }
        w.number("retryOpenCount", self.retry_open_count)?
            .number("retryCloseCount", self.retry_close_count)?
            .boolean("isPaused", self.is_paused)
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}
