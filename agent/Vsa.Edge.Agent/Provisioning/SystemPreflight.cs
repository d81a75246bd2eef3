using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>The real machine: its files and tools, ONNX Runtime, the network and OpenCV.</summary>
public sealed class SystemPreflight(IHostFiles files, TimeProvider time) : IPreflightSystem
{
    /// <summary>How long the fleet has to answer over HTTPS.</summary>
    public static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public IHostFiles Files => files;

    /// <inheritdoc />
    public TimeProvider Time => time;

    /// <inheritdoc />
    public (string Version, string Flavour) OnnxRuntime => (OrtEnv.Instance().GetVersionString(), SessionFactory.OrtFlavour);

    /// <inheritdoc />
    public long? FreeBytes(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        try
        {
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A provider's native failure of any kind is the finding this probe reports.")]
    public ProviderProbe ProbeProvider(string modelDirectory, string provider)
    {
        var ortName = provider switch
        {
            ExecutionProviderNames.TensorRt => "TensorrtExecutionProvider",
            ExecutionProviderNames.Cuda => "CUDAExecutionProvider",
            _ => "CPUExecutionProvider",
        };
        var inBuild = OrtEnv.Instance().GetAvailableProviders().Contains(ortName, StringComparer.Ordinal);
        if (!inBuild)
        {
            return new ProviderProbe(provider, false, $"{ortName} is not in this ONNX Runtime build");
        }

        try
        {
            var package = ModelPackage.Load(modelDirectory);
            var (session, _) = SessionFactory.Create(package, new InferenceOptions { ModelDirectory = modelDirectory, ExecutionProviders = [provider] }, NullLogger.Instance);
            session.Dispose();
            return new ProviderProbe(provider, true, null);
        }
        catch (Exception ex)
        {
            return new ProviderProbe(provider, true, ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<string?> HttpGetAsync(Uri url, string? caFile, CancellationToken cancellationToken)
    {
        using var ca = caFile is null ? null : X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caFile, cancellationToken).ConfigureAwait(false));
        using var handler = new HttpClientHandler();
        if (ca is not null)
        {
            // Enrolled: the fleet's server certificate must chain to the fleet CA (or to the system's roots for a public name).
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainsTo(certificate, ca));
        }

        using var http = new HttpClient(handler) { Timeout = HttpTimeout };
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{url.AbsolutePath} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
        }
    }

    /// <inheritdoc />
    public async Task<string?> MqttConnectAsync(MqttOptions options, string deviceId, CancellationToken cancellationToken)
    {
        try
        {
            var client = await DeviceLink.ConnectAsync(options, deviceId, cancellationToken).ConfigureAwait(false);
            await DeviceLink.CloseAsync(client).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (DeviceLink.IsLinkFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return ex is OperationCanceledException ? $"no answer within {options.ConnectTimeout.TotalSeconds:0} s" : ex.Message;
        }
    }

    /// <inheritdoc />
    public CameraProbe ProbeCamera(string source, TimeSpan duration, CancellationToken cancellationToken)
    {
        var factory = new OpenCvFrameSourceFactory(time, NullLogger<OpenCvFrameSourceFactory>.Instance) { Board = BoardInfo.Detect(files) };
        IFrameSource opened;
        try
        {
            opened = factory.Open(source);
        }
        catch (FrameSourceException ex)
        {
            return CameraProbe.Failed(ex.Message);
        }

        using (opened)
        using (var frame = new VideoFrame())
        {
            var started = time.GetTimestamp();
            var frames = 0;
            while (time.GetElapsedTime(started) < duration && !cancellationToken.IsCancellationRequested && opened.TryRead(frame, cancellationToken))
            {
                frames++;
            }

            return new CameraProbe(null, (opened as OpenCvFrameSource)?.Codec, opened.Width, opened.Height, opened.Fps, frames, time.GetElapsedTime(started));
        }
    }

    /// <inheritdoc />
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any failure to run the model is the finding this probe reports.")]
    public ModelProbe RunModel(string modelDirectory, IReadOnlyList<string> providers, int runs)
    {
        try
        {
            using var model = DetectorModel.Load(new InferenceOptions { ModelDirectory = modelDirectory, ExecutionProviders = [.. providers] }, NullLogger.Instance);
            using var detector = model.CreateDetector();
            using var frame = new OpenCvSharp.Mat(480, 640, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(114));
            var detections = new List<Vsa.Edge.Agent.Core.Detection.Detection>();
            var latencies = new double[runs];
            for (var i = -3; i < runs; i++)
            {
                var started = time.GetTimestamp();
                detector.Detect(frame, model.ScoreThreshold, detections);
                if (i >= 0)
                {
                    latencies[i] = time.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            Array.Sort(latencies);
            return new ModelProbe(model.ExecutionProvider, runs, latencies[runs / 2], latencies[Math.Min(runs - 1, (int)Math.Ceiling(runs * 0.95) - 1)], null);
        }
        catch (Exception ex)
        {
            return new ModelProbe(null, 0, 0, 0, ex.Message);
        }
    }

    /// <inheritdoc />
    public string? ProbeOutbox(string dataDirectory, string deviceId)
    {
        try
        {
            using var outbox = new SqliteAlertOutbox(dataDirectory, deviceId, new OutboxOptions(), time, NullLogger<SqliteAlertOutbox>.Instance);
            return null;
        }
        catch (Exception ex) when (ex is OutboxException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            return ex.Message;
        }
    }

    /// <inheritdoc />
    public IGpioPins OpenGpio(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Driver == GpioDriverKind.Simulated ? new SimulatedGpioPins(time) : GpioControllerPins.Open(options.Chip, options.Driver);
    }

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2 ca)
    {
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        try
        {
            return chain.Build(server);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
