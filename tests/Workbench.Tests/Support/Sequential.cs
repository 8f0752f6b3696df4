// Test classes run one at a time: many seed TorchSharp's global generator (TorchRuntime.Seed) before building a
// model, and two classes doing that in parallel interleave their draws, so a model's weights (and a test that reads
// its output) would change from run to run. On two cores, parallel classes bought little time anyway.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
