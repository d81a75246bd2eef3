using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Capture;

/// <summary>Registers video capture.</summary>
public static class CaptureServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="CaptureOptions"/> (section <c>Capture</c>, at start), detects the board, and
    /// adds the OpenCV frame-source factory, the device event hub and the <see cref="CameraSupervisor"/>
    /// (and the system <see cref="TimeProvider"/> unless one is registered).
    /// </summary>
    public static IServiceCollection AddCapture(this IServiceCollection services)
    {
        services.AddOptions<CaptureOptions>()
            .BindConfiguration(CaptureOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CaptureOptions>, CaptureOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHostFiles>(HostFiles.Instance);
        services.TryAddSingleton(sp => BoardInfo.Detect(sp.GetRequiredService<IHostFiles>()));
        services.AddDeviceEvents();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CaptureOptions>>().Value;
            var board = sp.GetRequiredService<BoardInfo>();
            var logger = sp.GetRequiredService<ILogger<OpenCvFrameSourceFactory>>();
            CaptureLog.Board(logger, board, options.HardwareDecode);
            return new OpenCvFrameSourceFactory(sp.GetRequiredService<TimeProvider>(), logger) { Options = options, Board = board };
        });
        services.TryAddSingleton<IFrameSourceFactory>(sp => sp.GetRequiredService<OpenCvFrameSourceFactory>());
        services.TryAddSingleton(sp => new CameraSupervisor(
            sp.GetRequiredService<IFrameSourceFactory>(),
            sp.GetRequiredService<IOptions<CaptureOptions>>().Value,
            sp.GetRequiredService<IDeviceEventSink>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
