//! `data/signal/<symbol>_<strategy>_<exchange>/<symbol>.json`: the open signal.

super::signal_rows::domain!(
    signal,
    Signal,
    SignalInstance,
    GuestSignalInstance,
    read_signal_data,
    write_signal_data
);
