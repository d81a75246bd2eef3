using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Hosting;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Installations;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Metrics;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Operators;
using Vsa.Edge.FleetManager.Proposals;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Reports;
using Vsa.Edge.FleetManager.Rollouts;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;
using Vsa.Edge.FleetManager.Trust;

// "vsa-fleet audit verify", "vsa-fleet accounts create-admin", "vsa-fleet broker mosquitto-config", "vsa-fleet --help": tools
// on the same configuration and database, no web host. Any other command line runs the service, its arguments configuration.
if (FleetCommandLine.IsCommand(args))
{
    return await FleetCommandLine.RunAsync(args, Console.In, Console.Out, Console.Error, CancellationToken.None);
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);

// Hosted services start in this order and stop in reverse: storage is migrated (and the retention purge scheduled), the
// broker listens, then the ingestion's writer and client start, then the desired-configuration publisher; on Ctrl+C the
// clients disconnect before the broker stops.
builder.AddFleetStorage();
builder.AddFleetAudit();
builder.AddFleetAccounts();
builder.AddFleetTrust();
builder.AddFleetBroker();
builder.AddFleetAlerts();
builder.AddFleetDevices();
builder.AddFleetEvaluation();
builder.AddFleetLive();
builder.AddFleetIngestion();
builder.AddFleetConfiguration();
builder.AddFleetSuspensions();
builder.AddFleetModels();
builder.AddFleetCertificateRenewal();
builder.AddFleetProposals();
builder.AddFleetInstallations();
builder.AddFleetMetrics();
builder.AddFleetApi();
builder.AddFleetRegister();
builder.AddFleetReports();
builder.AddFleetOperators();
builder.AddFleetRollouts();

var app = builder.Build();
app.UseFleetApi();
app.UseFleetMetrics();
app.MapLivePage();
app.UseFleetAccounts();
app.MapAuthApi();
app.MapAccountsApi();
app.MapAuditApi();
app.MapAlertsApi();
app.MapDevicesApi();
app.MapConfigApi();
app.MapAuthorisationsApi();
app.MapTrustApi();
app.MapCertificateApi();
app.MapProposalsApi();
app.MapInstallationsApi();
app.MapEvaluationApi();
app.MapIngestionApi();
app.MapSuspensionsApi();
app.MapRegister();
app.MapReportsApi();
app.MapOperatorsApi();
app.MapRolloutsApi();
app.MapModelsApi();

// 0 after a normal stop; non-zero when a background service failed and stopped the host, so a supervisor restarts it.
return await FleetHost.RunAsync(app);

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the functional tests.</summary>
public partial class Program;
