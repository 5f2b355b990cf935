fn main() {
    println!("bbkeys");
}
