// A stand-in for an AVImark process. Started through a symlink named like the real program (e.g.
// <sim>/bin/avimark -> node) so that Get-Process reports it by that name.
//   --exit-on-close    exits on a polite close request (SIGTERM, what simulated taskkill without /F sends)
//   --exit-on-message  exits when users are messaged (SIGUSR2, what simulated msg.exe sends)
// Otherwise it ignores both and must be force-stopped (SIGKILL). Prints "ready" once its handlers are set.
const exitOnClose = process.argv.includes('--exit-on-close');
const exitOnMessage = process.argv.includes('--exit-on-message');
process.on('SIGTERM', () => {
  if (exitOnClose) process.exit(0);
});
process.on('SIGUSR2', () => {
  if (exitOnMessage) process.exit(0);
});
setInterval(() => {}, 60_000);
process.stdout.write('ready\n');
