//! `data/measure/<bucket>/<key>.json`: cached measures, soft-deleted.

super::soft_delete::keyed_domain!(
    measure,
    Measure,
    MeasureInstance,
    GuestMeasureInstance,
    read_measure_data,
    write_measure_data,
    remove_measure_data,
    list_measure_data
);
