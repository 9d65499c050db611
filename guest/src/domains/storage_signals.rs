//! `data/storage/<backtest|live>/<signal-id>.json`: the signals store. Never deletes.

super::collection::by_mode_domain!(
    storage_signals,
    Storage,
    StorageSignal,
    StorageInstance,
    GuestStorageInstance,
    read_storage_data,
    write_storage_data
);
