/**
 * `cfstudio doctor`: one screen describing this installation for a bug report — Node and Electron versions, the
 * onnxruntime build and its execution providers (usable or why not, and which one each workload would run on),
 * the workspace, the models found, and whether the browser tests' Chromium is present. Reads files only; with
 * `--probe` it measures the GPU providers again (forgetting cached verdicts) first.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, PROVIDERS_OPTION, stringOption } from '../command.ts';
import { GPU_WORKLOADS, WORKLOADS } from '../../engine/providers.ts';
import { configureProviderProbe, probeCachePath, providerPlanFor } from '../../engine/runtime.ts';
import { collectDoctorReport, type DoctorReport } from '../../host/diagnostics.ts';

export { collectDoctorReport, type DoctorModel, type DoctorReport } from '../../host/diagnostics.ts';

function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `cfstudio doctor`,
    `  node         ${r.node} (${r.platform})`,
    `  electron     ${r.electron.installed ?? 'not installed'} (${r.electron.note})`,
    `  onnxruntime  ${r.onnxruntime.version} (onnxruntime-node ${r.onnxruntime.package}; build lists ${r.onnxruntime.backends.map((b) => `${b.name}${b.bundled ? '' : ' (plug-in)'}`).join(', ')})`,
    `providers (choice: ${r.providers.request}; probe cache ${r.providers.probeCache})`,
    ...r.providers.statuses.map((s) => `  ${s.provider.padEnd(7)} ${s.usable ? 'usable    ' : 'unusable  '} ${s.reason}`),
    `workloads`,
    ...WORKLOADS.map((w) => `  ${w.padEnd(10)} ${r.providers.workloads[w].provider.padEnd(7)} ${r.providers.workloads[w].reason}`),
    `workspace    ${r.workspace.path} (${r.workspace.writable ? 'writable' : `not writable: ${r.workspace.reason ?? ''}`})`,
    `models       ${r.models.dir}`,
    ...r.models.found.map((m) => `  ${m.name.padEnd(28)} ${m.kind.padEnd(10)} ${formatBytes(m.bytes).padStart(9)}  ${m.detail}`),
    `potential    ${r.potential.join(', ') || 'none'}`,
    `predictors   ${r.predictors.join('; ') || 'none'}`,
    `data         ${r.data.dir} (${r.data.present ? 'present' : 'absent: stability and predictor training need it'})`,
    `chromium     ${r.chromium.path} (${r.chromium.present ? 'present' : 'absent: npm run test:e2e cannot run'}${r.chromium.source === 'CFSTUDIO_CHROMIUM' ? ', from CFSTUDIO_CHROMIUM' : ''})`,
  ];
  return lines.join('\n') + '\n';
}

export const doctorCommand: Command = {
  path: ['doctor'],
  summary: 'describe this installation for a bug report: versions, execution providers, workspace, models, Chromium',
  options: {
    providers: PROVIDERS_OPTION,
    json: { type: 'boolean', description: 'print the report as JSON' },
    workspace: { type: 'string', description: 'workspace directory (default $CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace); its providers.json holds the probe results', valueName: 'DIR' },
    probe: { type: 'boolean', description: 'forget cached GPU probe results and measure the usable GPU providers again' },
  },
  async run(values, _positionals, ctx) {
    const workspace = stringOption(values, 'workspace');
    if (workspace !== undefined) configureProviderProbe({ workspace });
    if (values.probe) {
      rmSync(probeCachePath(), { force: true });
      // A user list skips probing; measuring is what 'auto' does.
      const saved = process.env.CFSTUDIO_PROVIDERS;
      process.env.CFSTUDIO_PROVIDERS = 'auto';
      try {
        for (const workload of GPU_WORKLOADS) await providerPlanFor(workload);
      } finally {
        if (saved === undefined) delete process.env.CFSTUDIO_PROVIDERS;
        else process.env.CFSTUDIO_PROVIDERS = saved;
      }
    }
    const report = collectDoctorReport(workspace === undefined ? undefined : resolve(workspace));
    ctx.out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctorReport(report));
  },
};
