using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Tests.Platform;

public sealed class BoardInfoTests
{
    [Theory]
    [InlineData("# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64", 36, "4.3", "6.2")]
    [InlineData("# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64", 35, "4.1", "5.1.2")]
    [InlineData("# R36 (release), REVISION: 9.9, GCID: 1", 36, "9.9", null)]
    public void TryParse_NvTegraRelease_ReadsReleaseRevisionAndJetPack(string line, int major, string revision, string? jetPack)
    {
        Assert.True(L4tRelease.TryParse(line, out var release));

        Assert.Equal(major, release.Major);
        Assert.Equal(revision, release.Revision);
        Assert.Equal(jetPack, release.JetPack);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Ubuntu 22.04")]
    [InlineData(null)]
    public void TryParse_NotAnL4tRelease_ReturnsFalse(string? text) =>
        Assert.False(L4tRelease.TryParse(text, out _));

    [Fact]
    public void Detect_JetsonFiles_IsJetsonWithItsModel()
    {
        var board = BoardInfo.Detect(FakeHostFiles.Jetson("NVIDIA Jetson AGX Orin Developer Kit"));

        Assert.True(board.IsJetson);
        Assert.Equal("36.4.3", board.L4t!.Version);
        Assert.Equal("NVIDIA Jetson AGX Orin Developer Kit", board.Model);
        Assert.Equal("NVIDIA Jetson AGX Orin Developer Kit, L4T R36.4.3 (JetPack 6.2)", board.ToString());
    }

    [Fact]
    public void Detect_NoTegraRelease_IsNotAJetson()
    {
        var board = BoardInfo.Detect(new FakeHostFiles());

        Assert.False(board.IsJetson);
        Assert.Null(board.Model);
    }

    [Fact]
    public void Detect_ThisMachine_IsNotAJetson() =>
        Assert.False(BoardInfo.Detect(HostFiles.Instance).IsJetson);

    [Theory]
    [InlineData(101602, "10.16.2")]
    [InlineData(100300, "10.3.0")]
    [InlineData(8601, "8.6.1")]
    [InlineData(8502, "8.5.2")]
    public void DecodeTensorRtVersion_GetInferLibVersion_GivesMajorMinorPatch(int encoded, string expected) =>
        Assert.Equal(expected, NvidiaStack.DecodeTensorRtVersion(encoded));

    [Fact]
    public void TryGetGpuName_Jetson_IsTheDeviceTreeModelWithoutRunningNvidiaSmi()
    {
        var files = FakeHostFiles.Jetson();

        Assert.True(NvidiaStack.TryGetGpuName(files, BoardInfo.Detect(files), out var name));

        Assert.Equal("NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super", name);
        Assert.Empty(files.Runs);
    }

    [Fact]
    public void TryGetGpuName_DiscreteGpu_IsNvidiaSmisFirstLine()
    {
        var files = new FakeHostFiles { Tools = { ["nvidia-smi --query-gpu=name --format=csv,noheader"] = "NVIDIA H200\nNVIDIA H200\n" } };

        Assert.True(NvidiaStack.TryGetGpuName(files, BoardInfo.Detect(files), out var name));

        Assert.Equal("NVIDIA H200", name);
    }

    [Fact]
    public void TryGetGpuName_NoGpu_ReturnsFalse() =>
        Assert.False(NvidiaStack.TryGetGpuName(new FakeHostFiles(), new BoardInfo(null, null), out _));

    [Fact]
    public void TryRun_MissingTool_ReturnsFalse() =>
        Assert.False(HostFiles.Instance.TryRun("vsa-no-such-tool-" + Guid.NewGuid().ToString("N"), "", TimeSpan.FromSeconds(5), out _));
}
