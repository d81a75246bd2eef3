using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);

// Hosted services start in this order and stop in reverse: storage is migrated, the broker listens, then the ingestion
// subscribes; on Ctrl+C the ingestion disconnects before the broker stops.
builder.AddFleetStorage();
builder.AddFleetBroker();
builder.AddFleetAlerts();
builder.AddFleetDevices();
builder.AddFleetLive();
builder.AddFleetIngestion();
builder.AddFleetApi();

var app = builder.Build();
app.UseFleetApi();
app.MapLivePage();
app.MapAlertsApi();
app.MapDevicesApi();
app.MapIngestionApi();
app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the functional tests.</summary>
public partial class Program;
