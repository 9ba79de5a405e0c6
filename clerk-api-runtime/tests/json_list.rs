//! Lists described by data (`JsonList`): pages walked by cursor, by offset with a total, or
//! read whole, items kept as raw JSON.

use clerk_api_runtime::{Client, JsonList, JsonPaging, RawItem};
use serde_json::Value;

mod common;
use common::stub;

fn client(url: &str) -> Client {
    Client::builder("sk_test_json_list").base_url(url).build().unwrap()
}

fn ids(items: &[RawItem]) -> Vec<String> {
    items.iter().map(|i| i.parse::<Value>().unwrap()["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn array_pages_are_walked_by_cursor_under_a_created_at_ordering() {
    let stub = stub(vec![(200, r#"[{"id":"a","x":{"y":1}},{"id":"b"}]"#), (200, r#"[{"id":"c"}]"#)]).await;
    let paging = JsonPaging::new(Some("limit"), Some("offset"), Some("starting_after"), Some("order_by"));
    let items = JsonList::new(client(&stub.url), "/users", paging)
        .limit(2)
        .order_by("+created_at")
        .query("created_at_after", "5")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b", "c"]);
    assert_eq!(items[0].as_bytes(), br#"{"id":"a","x":{"y":1}}"#, "items are the response's JSON, untouched");
    let heads = stub.heads.lock().unwrap().clone();
    assert!(
        heads[0].starts_with("get /users?created_at_after=5&limit=2&order_by=%2bcreated_at http/1.1"),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].starts_with("get /users?created_at_after=5&limit=2&starting_after=b&order_by=%2bcreated_at http/1.1"),
        "{}",
        heads[1]
    );
}

#[tokio::test]
async fn object_pages_are_walked_by_offset_until_the_total() {
    let stub = stub(vec![
        (200, r#"{"data":[{"id":"a"},{"id":"b"}],"total_count":3}"#),
        (200, r#"{"data":[{"id":"c"}],"total_count":3}"#),
    ])
    .await;
    let paging =
        JsonPaging::new(Some("limit"), Some("offset"), None, None).page_fields(Some("data"), Some("total_count"));
    let items = JsonList::new(client(&stub.url), "/organizations", paging).limit(2).collect_all().await.unwrap();
    assert_eq!(ids(&items), ["a", "b", "c"]);
    let heads = stub.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "the total ends the walk without a third request");
    assert!(heads[1].starts_with("get /organizations?limit=2&offset=2 "), "{}", heads[1]);
}

#[tokio::test]
async fn a_list_without_limit_is_read_once_whole() {
    let many: Vec<String> = (0..150).map(|i| format!(r#"{{"id":"t{i}"}}"#)).collect();
    let body: &'static str = Box::leak(format!(r#"{{"data":[{}]}}"#, many.join(",")).into_boxed_str());
    let stub = stub(vec![(200, body)]).await;
    let paging = JsonPaging::default().page_fields(Some("data"), None);
    let items = JsonList::new(client(&stub.url), "/jwt_templates", paging).collect_all().await.unwrap();
    assert_eq!(items.len(), 150);
    assert_eq!(stub.heads.lock().unwrap().len(), 1);
    assert!(stub.heads.lock().unwrap()[0].starts_with("get /jwt_templates http/1.1"));
}
