//! `into_stream()` against the fake Clerk: complete, ordered, duplicate-free walks by cursor
//! and by offset, both page shapes, and errors mid-stream.

use clerk_api::{Clerk, RetryPolicy};
use clerk_api_tests::fake_clerk::{FakeClerk, Fault, Faults, Seed};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashSet;

fn client(fake: &FakeClerk) -> Clerk {
    Clerk::builder("sk_test_fake").base_url(&fake.base_url).retry_policy(RetryPolicy::none()).build().unwrap()
}

async fn fake(users: usize) -> FakeClerk {
    FakeClerk::start(
        Seed { users, organizations: 50, memberships_per_organization: 7, ..Seed::default() },
        Faults::default(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn ten_thousand_users_stream_by_cursor_in_order_without_duplicates() {
    let fake = fake(10_000).await;
    let users: Vec<_> = client(&fake).users().list().limit(500).into_stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 10_000);
    let ids: HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), 10_000, "no duplicates");
    assert!(users.windows(2).all(|w| w[0].created_at > w[1].created_at), "newest first, the default -created_at order");
    // 20 full pages, then an empty one tells the cursor walk it is done.
    assert_eq!(fake.requests("GET", "/users"), 21);
}

#[tokio::test]
async fn ten_thousand_users_stream_by_offset_when_the_ordering_forbids_a_cursor() {
    let fake = fake(10_000).await;
    let users: Vec<_> =
        client(&fake).users().list().limit(500).order_by("+first_name").into_stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 10_000);
    let ids: HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), 10_000, "no duplicates");
    let names: Vec<&str> = users.iter().map(|u| u.first_name.as_deref().unwrap_or_default()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "ordered by first name");
    // The fake answers 422 to a cursor with this ordering, so success means offset paging.
    assert_eq!(fake.requests("GET", "/users"), 21);
}

#[tokio::test]
async fn an_explicit_offset_pages_by_offset_from_there() {
    let fake = fake(1_000).await;
    let users: Vec<_> = client(&fake).users().list().limit(300).offset(100).into_stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 900);
    assert_eq!(fake.requests("GET", "/users"), 4, "300 + 300 + 300 + a short 0");
}

#[tokio::test]
async fn a_starting_cursor_continues_after_it() {
    let fake = fake(1_000).await;
    let clerk = client(&fake);
    let first = clerk.users().list().limit(10).send().await.unwrap();
    let rest: Vec<_> =
        clerk.users().list().limit(200).starting_after(first[9].id.clone()).into_stream().try_collect().await.unwrap();
    assert_eq!(rest.len(), 990);
    assert!(rest.iter().all(|u| !first.iter().any(|f| f.id == u.id)));
}

#[tokio::test]
async fn wrapped_pages_stop_at_total_count_without_an_extra_request() {
    let fake = fake(100).await;
    let organizations: Vec<_> =
        client(&fake).organizations().list().limit(20).into_stream().try_collect().await.unwrap();
    assert_eq!(organizations.len(), 50);
    assert_eq!(fake.requests("GET", "/organizations"), 3, "20 + 20 + 10 = total_count");
    let memberships = client(&fake)
        .organization_memberships()
        .list("org_000000000000000000000000007")
        .limit(3)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(memberships.len(), 7);
}

#[tokio::test]
async fn the_default_page_size_is_used_without_a_limit() {
    let fake = fake(250).await;
    let users = client(&fake).users().list().collect_all().await.unwrap();
    assert_eq!(users.len(), 250);
    assert_eq!(fake.requests("GET", "/users"), 3, "100 + 100 + a short 50");
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_before_it() {
    let fake = fake(1_000).await;
    let mut stream = std::pin::pin!(client(&fake).users().list().limit(100).into_stream());
    for _ in 0..100 {
        stream.next().await.unwrap().unwrap();
    }
    fake.inject([Fault::status(500)]);
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(stream.next().await.is_none(), "the stream ends after an error");
}
