using System.CommandLine;
using System.Text.RegularExpressions;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Commands;

/// <summary>The options of <c>vsa-agent enrol</c>.</summary>
/// <param name="Fleet">The fleet manager's address (http or https).</param>
/// <param name="Token">The single-use enrolment token an administrator gave.</param>
/// <param name="DeviceId">The device's id (3 to 63 lower-case letters, digits or '-').</param>
/// <param name="DataDirectory">The agent's data folder; the credentials go to its <c>credentials</c> folder.</param>
public sealed partial record EnrolArguments(Uri Fleet, string Token, string DeviceId, string DataDirectory)
{
    /// <summary>The <c>enrol</c> command: its options, their checks, and <paramref name="run"/> with the parsed arguments.</summary>
    public static Command Definition(Func<EnrolArguments, CancellationToken, Task<int>> run)
    {
        var fleet = AgentCliOptions.HttpAddress("--fleet", "the fleet manager's address", directory: false, required: true);
        var token = CliOptions.Required("--token", "the enrolment token an administrator gave (single use)");
        var deviceId = CliOptions.Required("--device-id", "this device's id: 3 to 63 lower-case letters, digits or '-'");
        deviceId.Validators.Add(r =>
        {
            var id = r.GetValueOrDefault<string>();
            if (id is not null && !DeviceIdPattern().IsMatch(id))
            {
                r.AddError($"option '--device-id': device id '{id}' must be 3 to 63 lower-case letters, digits or '-', starting with a letter or a digit");
            }
        });
        var dataDirectory = AgentCliOptions.DataDirectory("the agent's data folder (the credentials go to its credentials/ folder)");
        return AgentCommandLine.Define(
            "enrol",
            "Enrol this device with a fleet: make its key, get its certificate and the fleet's signing keys.",
            [fleet, token, deviceId, dataDirectory],
            r => new EnrolArguments(r.GetValue(fleet)!, r.GetValue(token)!, r.GetValue(deviceId)!, r.GetValue(dataDirectory)!),
            run);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,62}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex DeviceIdPattern();
}
