// Compiles the generated TypeScript modules with tsc --strict and
// socket.io-client:
//
//   node check-typescript.mjs DIR
//
// DIR holds the generated modules; it must contain chat.ts, the module of
// the echo example's "/chat" namespace. Three compilations run, each in a
// fresh folder under this one (so that socket.io-client resolves from
// node_modules here), removed afterwards:
//
//   1. every generated module alone: must compile;
//   2. fixtures/client-ok.ts with chat.ts: must compile;
//   3. fixtures/client-wrong-payload.ts with chat.ts: must fail, with an
//      error in that file.
//
// Prints what tsc said and exits with 1 if any expectation fails.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
const generated = process.argv[2];
if (!generated) {
  console.error("usage: node check-typescript.mjs DIR");
  process.exit(2);
}
const modules = readdirSync(generated).filter((f) => f.endsWith(".ts"));

function compile(name, files) {
  const dir = mkdtempSync(join(here, ".check-"));
  try {
    for (const [target, source] of files) {
      copyFileSync(source, join(dir, target));
    }
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "es2022",
        lib: ["es2022", "dom"],
        module: "preserve",
        moduleResolution: "bundler",
        types: [],
        skipLibCheck: true,
      },
      include: ["*.ts"],
    }));
    const r = spawnSync(process.execPath, [tsc, "-p", dir, "--strict", "--pretty", "false"], { encoding: "utf8" });
    const output = `${r.stdout}${r.stderr}`.trim();
    console.log(`${name}: tsc exited with ${r.status}${output ? `\n${output}` : ""}`);
    return { status: r.status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let failed = false;
const modulesAlone = compile("generated modules", modules.map((f) => [f, join(generated, f)]));
if (modulesAlone.status !== 0) {
  failed = true;
}
const chat = ["chat.ts", join(generated, "chat.ts")];
const ok = compile("client-ok.ts", [chat, ["client-ok.ts", join(here, "fixtures", "client-ok.ts")]]);
if (ok.status !== 0) {
  failed = true;
}
const wrong = compile("client-wrong-payload.ts",
  [chat, ["client-wrong-payload.ts", join(here, "fixtures", "client-wrong-payload.ts")]]);
if (wrong.status === 0 || !/client-wrong-payload\.ts\(\d+,\d+\): error TS\d+/.test(wrong.output)) {
  console.log("client-wrong-payload.ts: expected a type error in that file");
  failed = true;
}
process.exit(failed ? 1 : 0);
