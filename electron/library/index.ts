/** The candidate library: `openLibrary(workspaceDir)` → `Library`. See library.ts for the schema and durability notes. */
export * from './library.ts';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './migrations.ts';
export {
  exportFileName,
  manifestCsv,
  neutralizeCsvFormula,
  DUPLICATE_TOLERANCES,
  type DuplicateStructure,
  MANIFEST_COLUMNS,
  type ExportResult,
  type ImportedStructure,
  type ImportOptions,
  type ImportResult,
  type TextToImport,
  exportJson,
  poscarFileName,
  type StructureExportFormat,
} from './transfer.ts';
export { crystalPlausibility } from './plausibility.ts';
