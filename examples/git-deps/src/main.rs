fn main() {
    println!("git-deps: {}", shared_a::describe(42));
}
