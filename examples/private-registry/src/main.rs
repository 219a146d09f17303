fn main() {
    println!("private-registry: {}", greeting::greeting());
}
