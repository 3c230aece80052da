// Compiles typed clients of a namespace with binary attachments against
// its generated module, with tsc --strict and socket.io-client, once as
// Node.js code and once as browser code:
//
//   node check-binary-typescript.mjs DIR
//
// DIR holds the generated modules; it must contain files.ts, the module of
// the docgen tests' "/files" namespace. Three compilations run, each in a
// fresh folder under this one (so that packages resolve from node_modules
// here), removed afterwards:
//
//   1. fixtures/client-binary-node.ts: Node's types (@types/node), no DOM;
//      must compile;
//   2. fixtures/client-binary-browser.ts: the DOM, no Node types; must
//      compile;
//   3. fixtures/client-binary-wrong.ts (a string where binary is due):
//      must fail, with an error in that file.
//
// Prints what tsc said and exits with 1 if any expectation fails.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
const generated = process.argv[2];
if (!generated) {
  console.error("usage: node check-binary-typescript.mjs DIR");
  process.exit(2);
}

function compile(fixture, env) {
  const dir = mkdtempSync(join(here, ".check-"));
  try {
    copyFileSync(join(generated, "files.ts"), join(dir, "files.ts"));
    copyFileSync(join(here, "fixtures", fixture), join(dir, fixture));
    const node = env === "node";
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "es2022",
        lib: node ? ["es2022"] : ["es2022", "dom"],
        module: "preserve",
        moduleResolution: "bundler",
        types: node ? ["node"] : [],
        typeRoots: [join(here, "node_modules", "@types")],
        skipLibCheck: true,
      },
      include: ["*.ts"],
    }));
    const r = spawnSync(process.execPath, [tsc, "-p", dir, "--strict", "--pretty", "false"], { encoding: "utf8" });
    const output = `${r.stdout}${r.stderr}`.trim();
    console.log(`${fixture} (${env}): tsc exited with ${r.status}${output ? `\n${output}` : ""}`);
    return { status: r.status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let failed = false;
if (compile("client-binary-node.ts", "node").status !== 0) failed = true;
if (compile("client-binary-browser.ts", "browser").status !== 0) failed = true;
const wrong = compile("client-binary-wrong.ts", "browser");
if (wrong.status === 0 || !/client-binary-wrong\.ts\(\d+,\d+\): error TS\d+/.test(wrong.output)) {
  console.log("client-binary-wrong.ts: expected a type error in that file");
  failed = true;
}
process.exit(failed ? 1 : 0);
