using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>The resource figures of heartbeats, read from a fake procfs/sysfs tree laid out like a Jetson's.</summary>
public sealed class ResourceMonitorTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("vsa-sysfs-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Read_JetsonFiles_ReportsEveryFigure()
    {
        Write("proc/loadavg", "1.25 0.80 0.50 2/345 6789\n");
        Write("proc/meminfo", "MemTotal:        7999999 kB\nMemFree:  1000 kB\nMemAvailable:    4000000 kB\n");
        Write("proc/self/status", "Name:\tvsa-agent\nVmRSS:\t  204800 kB\nThreads:\t30\n");
        Write("proc/stat", "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n");
        Write("sys/devices/virtual/thermal/thermal_zone0/type", "CPU-therm\n");
        Write("sys/devices/virtual/thermal/thermal_zone0/temp", "45500\n");
        Write("sys/devices/virtual/thermal/thermal_zone1/type", "GPU-therm\n");
        Write("sys/devices/virtual/thermal/thermal_zone1/temp", "43000\n");
        Write("sys/devices/virtual/thermal/thermal_zone2/type", "PMIC-Die\n");
        Write("sys/devices/virtual/thermal/thermal_zone2/temp", "-256000\n");
        Write("sys/devices/platform/gpu.0/load", "374\n");
        var monitor = new ResourceMonitor(HostFiles.Instance, _root.FullName, _root.FullName);

        var first = monitor.Read();
        Write("proc/stat", "cpu  200 0 200 800 100 0 0 0 0 0\n");
        var second = monitor.Read();

        Assert.Equal(1.25, first.CpuLoad1m);
        Assert.Equal(7999999L * 1024, first.MemoryTotalBytes);
        Assert.Equal(4000000L * 1024, first.MemoryAvailableBytes);
        Assert.Equal(204800L * 1024, first.ProcessRssBytes);
        Assert.Equal(45.5, first.CpuTemperatureC);
        Assert.Equal(43.0, first.GpuTemperatureC);
        Assert.Equal(37.4, first.GpuLoadPercent);
        Assert.Equal(["CPU-therm", "GPU-therm"], first.Thermal!.Select(t => t.Zone));
        Assert.True(first.DataDiskFreeBytes > 0);
        Assert.Null(first.CpuUsagePercent);

        // 200 busy ticks out of 300 between the two reads.
        Assert.Equal(66.7, second.CpuUsagePercent);
    }

    [Fact]
    public void Read_NothingExposed_ReportsNullsInsteadOfFailing()
    {
        var monitor = new ResourceMonitor(HostFiles.Instance, dataDirectory: null, _root.FullName);

        var figures = monitor.Read();

        Assert.Null(figures.CpuLoad1m);
        Assert.Null(figures.CpuUsagePercent);
        Assert.Null(figures.CpuTemperatureC);
        Assert.Null(figures.GpuTemperatureC);
        Assert.Null(figures.GpuLoadPercent);
        Assert.Null(figures.ProcessRssBytes);
        Assert.Null(figures.MemoryTotalBytes);
        Assert.Null(figures.DataDiskFreeBytes);
        Assert.Null(figures.Thermal);
        Assert.Equal(Environment.ProcessorCount, figures.CpuCount);
    }

    [Fact]
    public void Read_GarbledFiles_ReportsNulls()
    {
        Write("proc/loadavg", "not a number\n");
        Write("proc/meminfo", "MemTotal: lots kB\n");
        Write("sys/devices/gpu.0/load", "busy\n");
        Write("sys/devices/virtual/thermal/thermal_zone0/type", "CPU-therm\n");
        Write("sys/devices/virtual/thermal/thermal_zone0/temp", "hot\n");
        var monitor = new ResourceMonitor(HostFiles.Instance, null, _root.FullName);

        var figures = monitor.Read();

        Assert.Null(figures.CpuLoad1m);
        Assert.Null(figures.MemoryTotalBytes);
        Assert.Null(figures.GpuLoadPercent);
        Assert.Null(figures.CpuTemperatureC);
    }

    [Fact]
    public void Read_ThisMachine_ReadsTheRealProcfs()
    {
        var figures = new ResourceMonitor(HostFiles.Instance, Path.GetTempPath()).Read();

        Assert.True(figures.ProcessRssBytes > 10 * 1024 * 1024, "a .NET test host uses more than 10 MB");
        Assert.True(figures.MemoryTotalBytes > figures.MemoryAvailableBytes);
        Assert.NotNull(figures.CpuLoad1m);
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
