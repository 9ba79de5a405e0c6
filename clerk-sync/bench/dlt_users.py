"""The comparison for clerk-sync's benchmark: Clerk users loaded into DuckDB the way people do it
today, with dlt's REST API source (offset paginator, pages of 500), from the same server.

    python dlt_users.py BASE_URL DUCKDB_FILE

The secret key comes from CLERK_SECRET_KEY, as for clerk-sync.
"""

import os
import sys

import dlt
from dlt.sources.rest_api import rest_api_source


def main() -> None:
    base_url, db = sys.argv[1], sys.argv[2]
    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "bearer", "token": os.environ["CLERK_SECRET_KEY"]},
                "paginator": {
                    "type": "offset",
                    "limit": 500,
                    "offset_param": "offset",
                    "limit_param": "limit",
                    "total_path": None,
                    "stop_after_empty_page": True,
                },
            },
            # dlt's default, `append`, is its fastest; DLT_WRITE_DISPOSITION=merge keys rows by id
            # as clerk-sync does.
            "resource_defaults": {"primary_key": "id", "write_disposition": os.environ.get("DLT_WRITE_DISPOSITION", "append")},
            "resources": [{"name": "users", "endpoint": {"path": "users", "data_selector": "$"}}],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="clerk_users_bench",
        destination=dlt.destinations.duckdb(db),
        dataset_name="clerk_data",
        pipelines_dir=os.environ.get("DLT_PIPELINES_DIR"),
    )
    info = pipeline.run(source)
    print(info)


if __name__ == "__main__":
    main()
