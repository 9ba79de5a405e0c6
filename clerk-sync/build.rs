//! Says, while it happens, what the first build of the `duckdb` feature spends its time on.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_DUCKDB").is_some() {
        println!(
            "cargo:warning=the `duckdb` feature compiles DuckDB's C++ sources (libduckdb-sys): 15-45 minutes on 2 cores the first time, then cached. \
             Without it: `--no-default-features --features postgres`; on a DuckDB library you have: `--features postgres,duckdb-system` with DUCKDB_LIB_DIR \
             (README, clerk-sync)."
        );
    }
}
