//! `data/interval/<bucket>/<key>.json`: values cached per interval, soft-deleted.

super::soft_delete::keyed_domain!(
    interval,
    Interval,
    IntervalInstance,
    GuestIntervalInstance,
    read_interval_data,
    write_interval_data,
    remove_interval_data,
    list_interval_data
);
