"""Getting the workbook running: the `cnnlab` command (cli: lab, doctor, data), the checks that say
what is wrong and how to fix it (doctor), and the setup cell for Colab and Kaggle (hosted).

May import everything below it. Import from the module: `from cnnlab.setup.doctor import doctor`.
"""
