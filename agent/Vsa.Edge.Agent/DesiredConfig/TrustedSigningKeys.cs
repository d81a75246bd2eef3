using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>
/// The public keys this device trusts to sign its desired state: those its enrolment stored next to its credentials
/// (<see cref="DeviceCredentials.SigningKeysFileName"/>) and those named in <see cref="AgentOptions.TrustedSigningKeys"/>.
/// </summary>
public static class TrustedSigningKeys
{
    /// <summary>Every trusted key; a file named but unreadable, or not a P-256 public key, is an error naming it.</summary>
    /// <exception cref="InvalidOperationException">A key that cannot be read.</exception>
    public static SignedMessageVerifier Load(AgentOptions agent, MqttOptions mqtt)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(mqtt);
        var keys = new List<byte[]>();
        if (EnrolledFile(mqtt) is { } enrolled && File.Exists(enrolled))
        {
            keys.AddRange(Read(enrolled, File.ReadAllText(enrolled)));
        }

        foreach (var entry in agent.TrustedSigningKeys)
        {
            keys.AddRange(ReadEntry(entry, agent.BaseDirectory));
        }

        return new SignedMessageVerifier(keys);
    }

    /// <summary>Where enrolment stores the trusted keys: beside the CA of <paramref name="mqtt"/>'s credentials; null without TLS.</summary>
    public static string? EnrolledFile(MqttOptions mqtt)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        return mqtt.UsesTls && Path.GetDirectoryName(Path.GetFullPath(mqtt.CredentialFiles.Ca)) is { } directory
            ? Path.Combine(directory, DeviceCredentials.SigningKeysFileName)
            : null;
    }

    /// <summary>Errors of the <c>Agent:TrustedSigningKeys</c> entries (for the options validator).</summary>
    public static IEnumerable<string> Validate(AgentOptions agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var errors = new List<string>();
        for (var i = 0; i < agent.TrustedSigningKeys.Length; i++)
        {
            try
            {
                _ = ReadEntry(agent.TrustedSigningKeys[i], agent.BaseDirectory);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add($"Agent:TrustedSigningKeys[{i}]: {ex.Message}");
            }
        }

        return errors;
    }

    // An entry is PEM text itself, or the path of a PEM file (relative to the configuration file's folder).
    private static IReadOnlyList<byte[]> ReadEntry(string entry, string baseDirectory)
    {
        if (entry.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return Read("inline key", entry);
        }

        var path = Path.GetFullPath(entry, baseDirectory);
        try
        {
            return Read(path, File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{path}: {ex.Message}", ex);
        }
    }

    private static IReadOnlyList<byte[]> Read(string source, string pem)
    {
        try
        {
            return SigningKeys.ReadPublicKeys(pem);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{source}: {ex.Message}", ex);
        }
    }
}
