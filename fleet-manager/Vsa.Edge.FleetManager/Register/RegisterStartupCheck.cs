using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>Says at start when the register has no DPO contact to show (the options themselves are validated on start).</summary>
internal sealed partial class RegisterStartupCheck(IOptions<RegisterOptions> options, ILogger<RegisterStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.HasDpoContact)
        {
            LogNoDpoContact(logger, RegisterOptions.SectionName);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 11100, Level = LogLevel.Warning, Message = "The public register shows no DPO contact: set {Section}:DpoEmail or {Section}:DpoPostalAddress (the public must be told how to exercise their rights)")]
    private static partial void LogNoDpoContact(ILogger logger, string section);
}
