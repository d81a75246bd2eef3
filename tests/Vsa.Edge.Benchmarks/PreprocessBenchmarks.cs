using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Benchmarks;

/// <summary>
/// Resize + normalise of one real 768×576 frame into the 416×416 NCHW tensor: the per-frame CPU cost that must not
/// become the bottleneck (MODEL-NOTES: on an Orin Nano naive pre-processing cost more than the model run).
/// The allocation column must read "-": the hot path allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class PreprocessBenchmarks
{
    private Mat _frame = null!;
    private DetectorModel _model = null!;
    private Preprocessor _preprocessor = null!;
    private float[] _tensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = BenchAssets.ReadClipFrame(100);
        _model = BenchAssets.LoadCpuModel();
        _preprocessor = new Preprocessor(_model.Manifest.Input);
        _tensor = new float[_preprocessor.TensorLength];
    }

    [Benchmark(Description = "resize + normalise 768x576 -> 1x3x416x416")]
    public float Preprocess()
    {
        _preprocessor.Process(_frame, _tensor);
        return _tensor[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _preprocessor.Dispose();
        _model.Dispose();
        _frame.Dispose();
    }
}
