export { checkDemoResult, MAX_REPORT_MODELS, MAX_REPORT_ROWS } from './check-demo-result.ts';
export { DEMO_PLOT_KINDS, renderDemoPlots, type DemoPlot, type DemoPlotKind } from './render-demo-plots.ts';
export { demoReportHtml } from './demo-report-html.ts';
export { REPORT_FILE_NAME, writeDemoReport } from './write-demo-report.ts';
