using Microsoft.Extensions.Configuration;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>One camera to check: its id and its source (resolved; may hold a password, never printed).</summary>
/// <param name="CameraId">The camera's id.</param>
/// <param name="Source">Its source as the agent opens it.</param>
public sealed record CameraSource(string CameraId, string Source)
{
    /// <summary>The source with any password removed, for the terminal and the report.</summary>
    public string Redacted => FrameSourceSpec.Redact(Source);
}

/// <summary>
/// What the installation checks look at, read from the agent's own configuration file (<c>--config agent.json</c>) when
/// given, else the defaults the agent would use: the same sections (<c>Agent</c>, <c>Inference</c>, <c>Mqtt</c>,
/// <c>Gpio</c>), so a check sees what the service will see.
/// </summary>
public sealed record ProvisioningSettings(
    string? DeviceId,
    string ModelDirectory,
    IReadOnlyList<string> ExecutionProviders,
    string DataDirectory,
    MqttOptions? Mqtt,
    GpioOptions Gpio,
    IReadOnlyList<CameraSource> Cameras,
    Uri? Fleet)
{
    /// <summary>The <c>Agent</c> section (trusted signing keys, data folder); defaults without a configuration file.</summary>
    public AgentOptions Agent { get; init; } = new();

    /// <summary>The fleet CA of the device's enrolment, when its credentials exist.</summary>
    public string? FleetCaFile => Mqtt is { UsesTls: true } mqtt && File.Exists(mqtt.CredentialFiles.Ca) ? mqtt.CredentialFiles.Ca : null;

    /// <summary>Reads <paramref name="configPath"/> (null: defaults only); throws <see cref="CliUsageException"/> naming what is wrong.</summary>
    public static ProvisioningSettings Load(string? configPath, Uri? fleet)
    {
        if (configPath is null)
        {
            var defaults = new InferenceOptions();
            return new(null, defaults.ModelDirectory, defaults.ExecutionProviders, AgentPaths.DefaultDataDirectory, null, new GpioOptions(), [], fleet);
        }

        var path = Path.GetFullPath(configPath);
        if (!File.Exists(path))
        {
            throw new CliUsageException($"configuration file '{path}' not found");
        }

        var directory = Path.GetDirectoryName(path)!;
        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
        {
            throw new CliUsageException($"{path}: {ex.Message}", ex);
        }

        var agent = Bind<AgentOptions>(configuration, AgentOptions.SectionName);
        agent.BaseDirectory = directory;
        var inference = Bind<InferenceOptions>(configuration, InferenceOptions.SectionName);
        var mqttSection = configuration.GetSection(MqttOptions.SectionName);
        var mqtt = mqttSection.Exists() ? Bind<MqttOptions>(configuration, MqttOptions.SectionName) : null;
        if (mqtt?.CredentialsDirectory is { } credentials)
        {
            mqtt.CredentialsDirectory = Path.GetFullPath(credentials, directory);
        }

        var cameras = new List<CameraSource>();
        foreach (var cameraPath in agent.CameraPaths)
        {
            try
            {
                var camera = CameraDocuments.ResolveFile(CameraConfigLoader.Load(cameraPath), cameraPath);
                cameras.Add(new CameraSource(camera.CameraId, camera.Source));
            }
            catch (CameraConfigException ex)
            {
                throw new CliUsageException($"camera file: {ex.Message}", ex);
            }
        }

        return new(
            string.IsNullOrEmpty(agent.DeviceId) ? null : agent.DeviceId,
            Path.GetFullPath(inference.ModelDirectory, directory),
            inference.ExecutionProviders.Select(p => ExecutionProviderNames.Normalise(p) ?? p).Distinct(StringComparer.Ordinal).ToArray(),
            agent.DataPath,
            mqtt,
            Bind<GpioOptions>(configuration, GpioOptions.SectionName),
            cameras,
            fleet)
        {
            Agent = agent,
        };
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliUsageException($"section {section}: {ex.Message}", ex);
        }

        return options;
    }
}
