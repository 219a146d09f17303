use serde::Serialize;

extern "C" {
    fn greet_answer() -> i32;
}

#[derive(Serialize)]
struct Greeting {
    message: &'static str,
    answer: i32,
    c_cfg: bool,
}

fn main() {
    let greeting = Greeting {
        message: "hello from cargo-frontend",
        // SAFETY: a C function without arguments or side effects.
        answer: unsafe { greet_answer() },
        c_cfg: cfg!(has_c_greeting),
    };
    println!("{}", serde_json::to_string(&greeting).expect("a plain struct serializes"));
}
