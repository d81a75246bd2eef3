using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>One fleet shared by the tests of a class (they use their own devices), with two operators.</summary>
public abstract class OperatorFleet(IReadOnlyDictionary<string, string> settings) : IAsyncLifetime
{
    /// <summary>The fleet.</summary>
    public ConsoleHost Host { get; private set; } = null!;

    /// <summary>First operator.</summary>
    public string Alice { get; private set; } = null!;

    /// <summary>Second operator.</summary>
    public string Bob { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Host = await ConsoleHost.StartAsync(settings);
        Alice = await Host.CreateAccountAsync(Role.Operator, "alice");
        Bob = await Host.CreateAccountAsync(Role.Operator, "bob");
    }

    /// <summary>The audit entries whose target is <c>alert:{alertId}</c>.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditOfAsync(string alertId)
    {
        var all = await Host.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 100000, CancellationToken.None);
        return [.. all.Where(e => e.Target == $"alert:{alertId}")];
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>A fleet whose decisions wait 5 s for an undo (the default).</summary>
public sealed class UndoFleet() : OperatorFleet(new Dictionary<string, string> { ["Fleet:Console:UndoSeconds"] = "5" });

/// <summary>
/// A fleet that escalates after 60 s and sends decisions at once; intrusions of one camera and zone more than 8 s
/// apart are separate incidents.
/// </summary>
public sealed class IncidentFleet() : OperatorFleet(new Dictionary<string, string>
{
    ["Fleet:Console:EscalateAfterSeconds"] = "60",
    ["Fleet:Console:EscalationRepeatSeconds"] = "30",
    ["Fleet:Console:IncidentGapSecondsByEvent:intrusion"] = "8",
});
