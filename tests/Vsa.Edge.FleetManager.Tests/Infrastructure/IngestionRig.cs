using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>The ingestion pipeline as the fleet wires it, on the test's database, clock and counters; what a test does not look at is made here.</summary>
internal static class IngestionRig
{
    /// <summary>A pipeline with default options unless given; its own alert store and live broadcaster unless given.</summary>
    public static IngestionPipeline Pipeline(FleetDatabase database, TimeProvider clock, IngestionStatistics statistics, IOptions<IngestionOptions>? options = null, AlertStore? alerts = null, LiveBroadcaster? live = null)
    {
        options ??= Options.Create(new IngestionOptions());
        var audit = new AuditLog(database, clock);
        return new IngestionPipeline(
            database, alerts ?? new AlertStore(database, audit), new DeviceStore(database), new ConfigStore(database, new AuthorisationStore(database), audit),
            live ?? new LiveBroadcaster(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance), new DeviceConditionsState(), new DeadLetterStore(database, options),
            new RejectionLog(options, clock, NullLogger<RejectionLog>.Instance), statistics, options, clock, NullLogger<IngestionPipeline>.Instance);
    }
}
