// `import m from "./x.wasm"` yields a compiled module in workerd (and bundlers that follow it).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
