using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>What one execution provider did when a session was created on the model with it alone.</summary>
/// <param name="Provider">TensorRT, CUDA or CPU.</param>
/// <param name="InBuild">Whether this ONNX Runtime build lists it.</param>
/// <param name="Error">Why the session could not be created; null when it was.</param>
public sealed record ProviderProbe(string Provider, bool InBuild, string? Error);

/// <summary>The model run on the provider the agent would choose.</summary>
/// <param name="Provider">The provider chosen (the first of the configured list that works), null when none.</param>
/// <param name="Runs">Timed runs.</param>
/// <param name="P50Milliseconds">Median latency of one inference.</param>
/// <param name="P95Milliseconds">95th percentile latency.</param>
/// <param name="Error">Why the model could not run, null when it did.</param>
public sealed record ModelProbe(string? Provider, int Runs, double P50Milliseconds, double P95Milliseconds, string? Error);

/// <summary>What a few seconds of one camera gave.</summary>
/// <param name="Error">Why it could not be opened or decoded; null when frames came.</param>
/// <param name="Codec">The codec OpenCV reports, null when unknown.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="NominalFps">The rate the source announces (0 when it does not).</param>
/// <param name="Frames">Frames decoded.</param>
/// <param name="Elapsed">Over how long.</param>
public sealed record CameraProbe(string? Error, string? Codec, int Width, int Height, double NominalFps, int Frames, TimeSpan Elapsed)
{
    /// <summary>Frames per second measured.</summary>
    public double MeasuredFps => Elapsed > TimeSpan.Zero ? Frames / Elapsed.TotalSeconds : 0;

    /// <summary>A probe of a camera that could not be opened.</summary>
    public static CameraProbe Failed(string error) => new(error, null, 0, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Everything the installation checks read from the machine, and nothing else: host files and tools (<see cref="Files"/>:
/// <c>/proc/device-tree/model</c>, <c>/etc/nv_tegra_release</c>, <c>timedatectl</c>, <c>chronyc</c>, <c>nvidia-smi</c>,
/// <c>/dev/gpiochip*</c>), the clock, free disk, ONNX Runtime, the network and the cameras. Tests give fakes of each
/// (real Jetson file contents as fixtures); <see cref="SystemPreflight"/> is the real machine.
/// </summary>
public interface IPreflightSystem
{
    /// <summary>Host files and tools.</summary>
    IHostFiles Files { get; }

    /// <summary>The clock.</summary>
    TimeProvider Time { get; }

    /// <summary>The ONNX Runtime version ("1.22.0") and this build's flavour (Cpu, Gpu, Jetson).</summary>
    (string Version, string Flavour) OnnxRuntime { get; }

    /// <summary>Bytes free for an unprivileged user on the file system holding <paramref name="path"/> (or its nearest existing parent); null when unknown.</summary>
    long? FreeBytes(string path);

    /// <summary>Creates a session on the model in <paramref name="modelDirectory"/> with <paramref name="provider"/> alone.</summary>
    ProviderProbe ProbeProvider(string modelDirectory, string provider);

    /// <summary>GETs <paramref name="url"/>, trusting <paramref name="caFile"/> alone when given; null when it answered 2xx, else why not.</summary>
    Task<string?> HttpGetAsync(Uri url, string? caFile, CancellationToken cancellationToken);

    /// <summary>Connects to the broker of <paramref name="options"/> as <paramref name="deviceId"/> (mutual TLS when configured), then disconnects; null when it worked, else why not.</summary>
    Task<string?> MqttConnectAsync(MqttOptions options, string deviceId, CancellationToken cancellationToken);

    /// <summary>Loads the model as the agent does (first working provider of <paramref name="providers"/>) and times <paramref name="runs"/> inferences.</summary>
    ModelProbe RunModel(string modelDirectory, IReadOnlyList<string> providers, int runs);

    /// <summary>Opens (creating it when absent) the device's alert outbox in <paramref name="dataDirectory"/>; null when writable, else why not.</summary>
    string? ProbeOutbox(string dataDirectory, string deviceId);

    /// <summary>Opens the GPIO chip of <paramref name="options"/> through the agent's own GPIO seam.</summary>
    Gpio.IGpioPins OpenGpio(Gpio.GpioOptions options);

    /// <summary>Opens <paramref name="source"/> and decodes frames for <paramref name="duration"/>.</summary>
    CameraProbe ProbeCamera(string source, TimeSpan duration, CancellationToken cancellationToken);
}
