from setuptools import find_packages, setup

setup(
    name="smoothfn",
    version="0.1.0",
    description="Smooth, differentiable approximations of non-smooth functions by convolution",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["smoothfn", "smoothfn.*"]),
    python_requires=">=3.10",
    install_requires=[
        "torch>=2.3",
        "sympy>=1.12",
        "numpy>=1.24",
        "mpmath>=1.3",
        "matplotlib>=3.7",
        "triton>=3.0; platform_system == 'Linux' and platform_machine == 'x86_64'",
    ],
    extras_require={
        # `smoothfn demo` trains on scikit-learn's handwritten digits (shipped with the package)
        "demo": ["scikit-learn>=1.3"],
        # transformers: small random configurations of its models are the tests' third-party models
        "test": ["pytest>=7", "pytest-xdist>=3", "ruff>=0.5", "scikit-learn>=1.3", "transformers>=4.40"],
    },
    entry_points={"console_scripts": ["smoothfn=smoothfn.cli.main:main"]},
)
