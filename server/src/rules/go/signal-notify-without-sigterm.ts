/** GO404 signal-notify-without-sigterm: `signal.Notify` that traps the interrupt but not SIGTERM. */
import type { Node } from '../../engine/syntax';
import { addGoImport } from '../../engine/fix';
import { callArgs, calleeText, goHeader } from '../../engine/golang';
import { defineRule, type TextEdit } from '../../engine/rule';

const INTERRUPT = /^(os\.Interrupt|syscall\.SIGINT|unix\.SIGINT)$/;
const SIGTERM = /^(syscall|unix)\.SIGTERM$/;

export default defineRule({
  code: 'GO404',
  name: 'signal-notify-without-sigterm',
  language: 'go',
  category: 'shutdown/lifecycle',
  severity: 'warning',
  fix: 'always',
  summary: 'signal.Notify traps the interrupt signal but not SIGTERM, so the graceful shutdown path never runs under containers or systemd.',
  kinds: ['call_expression'],
  callees: /^signal\.Notify(Context)?$/,
  facts: [goHeader],
  docs: {
    whatItDoes:
      'Flags `signal.Notify(ch, …)` and `signal.NotifyContext(ctx, …)` calls that list `os.Interrupt` or `SIGINT` but not `SIGTERM`.',
    whyBad:
      'Containers, systemd and Kubernetes stop a process with SIGTERM, not with an interrupt. A program that only traps the interrupt runs its graceful shutdown (draining requests, flushing buffers) when someone presses Ctrl-C, and is killed mid-write in production.',
    example: 'quit := make(chan os.Signal, 1)\nsignal.Notify(quit, os.Interrupt)\n<-quit\nsrv.Shutdown(ctx)',
    useInstead: 'quit := make(chan os.Signal, 1)\nsignal.Notify(quit, os.Interrupt, syscall.SIGTERM)\n<-quit\nsrv.Shutdown(ctx)',
    fixSafety: 'Safe: appends `syscall.SIGTERM` to the signal list and adds the `syscall` import when it is missing.',
    related: 'staticcheck SA1016 flags trapping signals that cannot be trapped (the opposite problem).',
  },
  check(node, ctx) {
    const callee = calleeText(node);
    if (callee !== 'signal.Notify' && callee !== 'signal.NotifyContext') return;
    if (ctx.facts(goHeader).some((f) => /\bwindows\b/.test(f.value.buildTag ?? '') && !/!windows/.test(f.value.buildTag ?? ''))) return;
    const args = callArgs(node);
    const sigs = args.slice(1).map((a: Node) => a.text);
    if (!sigs.some((s) => INTERRUPT.test(s)) || sigs.some((s) => SIGTERM.test(s))) return;
    const last = args[args.length - 1];
    const edits: TextEdit[] = [{ start: last.endIndex, end: last.endIndex, newText: ', syscall.SIGTERM' }];
    const imp = addGoImport(ctx.text, ctx.root, 'syscall');
    if (imp) edits.push(imp);
    ctx.report({
      node,
      message: `${callee} traps ${sigs.join(', ')} but not SIGTERM: a container or systemd stop kills the process without running the graceful shutdown`,
      fixes: [{ title: 'Add syscall.SIGTERM to the trapped signals', applicability: 'safe', edits }],
    });
  },
});
