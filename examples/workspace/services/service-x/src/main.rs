#[tokio::main(flavor = "current_thread")]
async fn main() {
    let greeting = lib_a::greeting("service-x");
    let answer = tokio::spawn(async { 6 * 7 }).await.expect("the task runs to completion");
    println!("{}: {} (answer {answer})", greeting.service, greeting.message);
}
