//! Shared helpers of the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StructArray};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

/// One multi-threaded runtime for all queries of a test binary (2 workers: the CI machine).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A context with our functions and `target_partitions` partitions.
pub fn context(target_partitions: usize) -> SessionContext {
    let config = SessionConfig::new().with_target_partitions(target_partitions);
    let ctx = SessionContext::new_with_config(config);
    crm_datafusion::register(&ctx).unwrap();
    ctx
}

/// Registers `batches` as table `name`, one MemTable partition per inner vector.
pub fn register_partitions(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    partitions: Vec<Vec<RecordBatch>>,
) {
    let table = MemTable::try_new(schema, partitions).unwrap();
    ctx.register_table(name, Arc::new(table)).unwrap();
}

/// Runs `sql` and returns all result rows in one batch.
pub fn query(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<RecordBatch> {
    runtime().block_on(async {
        let df = ctx.sql(sql).await?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(datafusion::arrow::compute::concat_batches(
            &schema, &batches,
        )?)
    })
}

/// Column `name` of a struct array.
pub fn field<'a>(s: &'a StructArray, name: &str) -> &'a ArrayRef {
    s.column_by_name(name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

/// The downcast column `i` of a batch.
pub fn col<T: Array + 'static>(b: &RecordBatch, i: usize) -> &T {
    b.column(i).as_any().downcast_ref::<T>().unwrap()
}
